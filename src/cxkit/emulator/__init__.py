"""A local, wire-faithful emulator of Five9 VCC and Genesys Cloud (think moto for CCaaS).

Run it in-process (``async with EmulatorServer() as emu``) or as ``cxkit emulator serve``.
The emulator never imports the client side of cxkit.
"""
