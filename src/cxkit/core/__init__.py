"""The async core every vendor plugs into: HTTP, retry, auth, streams.

Never imports a vendor package.
"""
