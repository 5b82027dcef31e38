"""The `callbox` command."""
