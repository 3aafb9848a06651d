"""TLS settings for :class:`~cxkit.genesys.client.GenesysClient`: custom CA, mutual TLS.

The official SDKs' ``set_mtls_certificates(cert, key, ca)`` / ``set_mtls_contents(...)`` take
a client certificate for gateways that demand one. The Go SDK then turns server verification
*off* (``InsecureSkipVerify``) whenever a custom CA is given; these helpers never do: the
server certificate is always checked (against ``ca`` when given, else the system store) and
its host name must match. TLS 1.2 is the minimum, as Genesys requires.

.. code-block:: python

    ssl = mtls_context("client.pem", "client.key", ca_file="gateway-ca.pem")
    client = GenesysClient(gateway=..., ssl=ssl, client_id=..., client_secret=...)

PEM contents (from a secret store) work too, without writing the key anywhere readable:
``mtls_context_from_contents(cert_pem, key_pem, ca_pem)``.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
from pathlib import Path

from cxkit.config import Secret
from cxkit.errors import ConfigError

__all__ = ["mtls_context", "mtls_context_from_contents", "tls_context"]


def tls_context(
    *, ca_file: str | os.PathLike[str] | None = None, ca_data: str | None = None
) -> ssl.SSLContext:
    """A verifying client context (TLS >= 1.2) trusting ``ca_file``/``ca_data`` (PEM) when
    given, else the system store (the SDKs' ``ssl_ca_cert``)."""
    try:
        context = ssl.create_default_context(
            cafile=os.fspath(ca_file) if ca_file is not None else None, cadata=ca_data
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError.bad_value("ssl.ca", "<ca>", f"a readable PEM CA bundle ({exc})") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # create_default_context already sets CERT_REQUIRED and check_hostname; say it plainly
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    return context


def mtls_context(
    cert_file: str | os.PathLike[str],
    key_file: str | os.PathLike[str],
    *,
    ca_file: str | os.PathLike[str] | None = None,
    password: str | Secret | None = None,
) -> ssl.SSLContext:
    """A verifying context that presents the client certificate ``cert_file`` with its key
    ``key_file`` (PEM; ``password`` for an encrypted key); the server is checked against
    ``ca_file`` when given (the SDKs' ``set_mtls_certificates``)."""
    context = tls_context(ca_file=ca_file)
    secret = password.reveal() if isinstance(password, Secret) else password
    try:
        context.load_cert_chain(os.fspath(cert_file), os.fspath(key_file), secret)
    except (OSError, ssl.SSLError) as exc:
        # the message names the files, never the password
        raise ConfigError.bad_value(
            "ssl.client_certificate",
            f"{os.fspath(cert_file)}, {os.fspath(key_file)}",
            f"a PEM certificate and its private key ({type(exc).__name__}: {exc.strerror or exc})",
        ) from None
    return context


def mtls_context_from_contents(
    cert_pem: str,
    key_pem: str | Secret,
    ca_pem: str | None = None,
    *,
    password: str | Secret | None = None,
) -> ssl.SSLContext:
    """:func:`mtls_context` from PEM strings (the SDKs' ``set_mtls_contents``).

    Python's ``ssl`` only loads a certificate chain from files, so the certificate and key
    are written to a private temporary directory (mode 0700, files 0600) just long enough
    to load them, then deleted."""
    key = key_pem.reveal() if isinstance(key_pem, Secret) else key_pem
    with tempfile.TemporaryDirectory(prefix="cxkit-mtls-") as folder:
        os.chmod(folder, 0o700)
        cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
        for path, text in ((cert_path, cert_pem), (key_path, key)):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(descriptor, "w", encoding="ascii") as handle:
                handle.write(text)
        try:
            context = tls_context(ca_data=ca_pem)
            context.load_cert_chain(
                cert_path,
                key_path,
                password.reveal() if isinstance(password, Secret) else password,
            )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError.bad_value(
                "ssl.client_certificate",
                "<pem contents>",
                f"a PEM certificate and its private key ({type(exc).__name__})",
            ) from None
        finally:
            with contextlib.suppress(OSError):
                key_path.unlink()
    return context
