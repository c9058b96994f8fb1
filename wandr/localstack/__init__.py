"""The embedded local stack: Wandr's AWS architecture on one machine with moto.

See DESIGN.md section 3. `LocalStack` (stack.py) starts a moto server on loopback,
creates every resource from wandr.resources, runs our Lambda handlers in-process when moto
invokes them (lambda_adapter.py), runs SageMaker Processing jobs as subprocesses
(sagemaker_runner.py), plays the SQS event-source mapping (pump.py) and serves the Chalice
API and the dashboard over HTTP (http.py).
"""
