"""The async core every vendor plugs into: HTTP, retry policy, auth, streams. Never imports a vendor."""
