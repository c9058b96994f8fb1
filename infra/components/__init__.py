"""One Construct per architectural component; each takes its dependencies as keyword args."""
