"""Configuration from keyword arguments, environment variables and a config file, with live
reload of the file into running clients.

Sources and precedence (:func:`resolve_settings`): keyword arguments > environment variables >
config file > :data:`cxkit.config.DEFAULTS`.

**Config file** (:func:`load_settings`, :func:`parse_settings`): JSON or INI, detected (JSON is
tried first, as the Genesys Go SDK does). The keys are the union of the official Genesys Go and
Python SDKs' keys, plus cxkit's own ``[timeouts]``:

.. code-block:: ini

    [logging]
    log_level = trace            ; trace | debug | error | none
    log_format = text            ; text | json
    log_to_console = false
    log_file_path = /var/log/cxkit.log
    log_request_body = false
    log_response_body = false
    [retry]
    retry_wait_min = 1           ; seconds
    retry_wait_max = 10          ; seconds
    retry_max = 5
    retry_max_time = 120         ; seconds, retries included (cxkit; 0 = no limit)
    retry_after_default = 3      ; wait after a 429 with no hint (cxkit)
    [reauthentication]
    refresh_access_token = true
    refresh_token_wait_max = 10  ; seconds
    [general]
    live_reload_config = true
    host = https://api.mypurecloud.ie
    [proxy]
    host = proxy.local
    port = 3128
    protocol = http
    auth-username = me
    auth-password = ...
    path-params = login:loginpath,api:apipath
    [gateway]                    ; Go keys as [proxy], or the Python SDK's:
    host = gw.example.com        ; protocol, port, path_params_login, path_params_api,
    path_params_login = login    ; username, password
    [timeouts]
    connect = 10
    read = 30
    total = 60

In JSON the same sections are objects; ``proxy`` and ``gateway`` also take the Go SDK's form
``{"host", "protocol", "port", "auth": {"username", "password"},
"pathParams": [{"pathName", "pathValue"}]}``. Booleans accept true/false/yes/no/1/0/on/off.
Unknown sections and keys are kept in :attr:`Settings.sections` and otherwise ignored.

**Environment variables** (:func:`settings_from_env`, prefix ``CXKIT_``):

====================================  ==========================================================
``CXKIT_LOG_LEVEL``                   none, error, debug or trace
``CXKIT_LOG_FORMAT``                  text or json
``CXKIT_LOG_FILE``                    append logs to this file
``CXKIT_LOG_TO_CONSOLE``              boolean
``CXKIT_LOG_REQUEST_BODY``            boolean
``CXKIT_LOG_RESPONSE_BODY``           boolean
``CXKIT_RETRY_MAX``                   retries after the first attempt
``CXKIT_RETRY_WAIT_MIN``              first backoff, seconds
``CXKIT_RETRY_WAIT_MAX``              longest backoff, seconds
``CXKIT_RETRY_MAX_TIME``              seconds a request may take, retries included
``CXKIT_RETRY_AFTER_DEFAULT``         seconds to wait after a 429 with no hint
``CXKIT_PROXY``                       ``http(s)://[user[:password]@]host[:port]``
``CXKIT_TIMEOUT``                     seconds one attempt may take (``timeouts.total``)
``CXKIT_TIMEOUT_CONNECT``             connect timeout, seconds
``CXKIT_TIMEOUT_READ``                read timeout, seconds
``CXKIT_HOST``                        API host or base URL (``general.host``)
``CXKIT_LIVE_RELOAD``                 boolean (``general.live_reload_config``)
``CXKIT_REFRESH_ACCESS_TOKEN``        boolean
``CXKIT_REFRESH_TOKEN_WAIT_MAX``      seconds
``CXKIT_CONFIG_FILE``                 the config file :func:`resolve_settings` reads when it is
                                      given no ``path``
====================================  ==========================================================

**Live reload** (:class:`SettingsWatcher`): watches the file's directory with watchfiles, and
hands every changed, valid version to ``on_change`` and to attached clients
(``client.apply_settings``). A bad edit is logged and reported to ``on_error``; the last good
settings stay in force.

Every error is a :class:`cxkit.errors.ConfigError` naming the key (``section.key`` or the
variable), the value (redacted for credentials) and what is allowed.
"""

from __future__ import annotations

from cxkit.settings.env import ENV_VARS, settings_from_env
from cxkit.settings.file import load_settings, parse_settings
from cxkit.settings.model import GatewayConfig, Settings
from cxkit.settings.resolve import resolve_settings, settings_from_kwargs
from cxkit.settings.watch import SettingsWatcher, SupportsApplySettings

__all__ = [
    "ENV_VARS",
    "GatewayConfig",
    "Settings",
    "SettingsWatcher",
    "SupportsApplySettings",
    "load_settings",
    "parse_settings",
    "resolve_settings",
    "settings_from_env",
    "settings_from_kwargs",
]
