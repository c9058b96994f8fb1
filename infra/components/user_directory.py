"""The Cognito user pool every API call authenticates against.

`wandr.identity` trusts the tenant only from the immutable custom attribute `tenant` and
the role only from the groups admin/analyst/viewer, and looks the app client up by the name
`web`; this construct provides exactly those. The client has no secret because the browser
dashboard and the CLI are public clients (USER_PASSWORD_AUTH for the CLI, SRP for the web).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from wandr.identity import CLIENT_NAME, ROLES


class UserDirectory(Construct):
    """User pool, its public app client and one group per Wandr role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool_name: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=user_pool_name,
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            custom_attributes={
                "tenant": cognito.StringAttribute(min_len=1, max_len=64, mutable=False),
                "role": cognito.StringAttribute(min_len=1, max_len=16, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=removal_policy,
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=CLIENT_NAME,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            # Users cannot rewrite their own tenant or role; only admins change groups.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(email=True),
        )
        self.groups = {
            role: cognito.CfnUserPoolGroup(
                self,
                f"Group-{role}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=role,
                description=f"Wandr {role}s",
                precedence=len(ROLES) - rank,
            )
            for rank, role in enumerate(ROLES)
        }
