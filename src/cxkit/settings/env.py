"""Settings from environment variables (``CXKIT_*``).

Each variable maps onto one config-file key and goes through the same rules, so an error names
the variable, its value and what is allowed. Empty variables count as not set.

====================================  ==========================================================
variable                              meaning (config-file key)
====================================  ==========================================================
``CXKIT_LOG_LEVEL``                   none, error, debug or trace (``logging.log_level``)
``CXKIT_LOG_FORMAT``                  text or json (``logging.log_format``)
``CXKIT_LOG_FILE``                    append logs to this file (``logging.log_file_path``)
``CXKIT_LOG_TO_CONSOLE``              boolean (``logging.log_to_console``)
``CXKIT_LOG_REQUEST_BODY``            boolean (``logging.log_request_body``)
``CXKIT_LOG_RESPONSE_BODY``           boolean (``logging.log_response_body``)
``CXKIT_RETRY_MAX``                   retries after the first attempt (``retry.retry_max``)
``CXKIT_RETRY_WAIT_MIN``              first backoff in seconds (``retry.retry_wait_min``)
``CXKIT_RETRY_WAIT_MAX``              longest backoff in seconds (``retry.retry_wait_max``)
``CXKIT_RETRY_MAX_TIME``              seconds a request may take, retries included; 0 = no
                                      limit (``retry.retry_max_time``)
``CXKIT_RETRY_AFTER_DEFAULT``         seconds to wait after a 429 with no hint
                                      (``retry.retry_after_default``)
``CXKIT_PROXY``                       ``http(s)://[user[:password]@]host[:port]`` (``[proxy]``)
``CXKIT_TIMEOUT``                     seconds one attempt may take (``timeouts.total``)
``CXKIT_TIMEOUT_CONNECT``             connect timeout in seconds (``timeouts.connect``)
``CXKIT_TIMEOUT_READ``                read timeout in seconds (``timeouts.read``)
``CXKIT_HOST``                        API host or base URL (``general.host``)
``CXKIT_LIVE_RELOAD``                 boolean (``general.live_reload_config``)
``CXKIT_REFRESH_ACCESS_TOKEN``        boolean (``reauthentication.refresh_access_token``)
``CXKIT_REFRESH_TOKEN_WAIT_MAX``      seconds (``reauthentication.refresh_token_wait_max``)
``CXKIT_CONFIG_FILE``                 config file read by :func:`resolve_settings` when no
                                      ``path`` is given
====================================  ==========================================================

Booleans accept true/false/yes/no/1/0/on/off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from cxkit.settings.file import Section, build_settings
from cxkit.settings.model import Settings

__all__ = ["ENV_VARS", "settings_from_env"]

ENV_VARS: Mapping[str, tuple[str, str]] = {
    "LOG_LEVEL": ("logging", "log_level"),
    "LOG_FORMAT": ("logging", "log_format"),
    "LOG_FILE": ("logging", "log_file_path"),
    "LOG_TO_CONSOLE": ("logging", "log_to_console"),
    "LOG_REQUEST_BODY": ("logging", "log_request_body"),
    "LOG_RESPONSE_BODY": ("logging", "log_response_body"),
    "RETRY_MAX": ("retry", "retry_max"),
    "RETRY_WAIT_MIN": ("retry", "retry_wait_min"),
    "RETRY_WAIT_MAX": ("retry", "retry_wait_max"),
    "RETRY_MAX_TIME": ("retry", "retry_max_time"),
    "RETRY_AFTER_DEFAULT": ("retry", "retry_after_default"),
    "PROXY": ("proxy", "url"),
    "TIMEOUT": ("timeouts", "total"),
    "TIMEOUT_CONNECT": ("timeouts", "connect"),
    "TIMEOUT_READ": ("timeouts", "read"),
    "HOST": ("general", "host"),
    "LIVE_RELOAD": ("general", "live_reload_config"),
    "REFRESH_ACCESS_TOKEN": ("reauthentication", "refresh_access_token"),
    "REFRESH_TOKEN_WAIT_MAX": ("reauthentication", "refresh_token_wait_max"),
}
"""Variable name without the prefix -> the (section, key) of the config file it stands for."""

CONFIG_FILE_VAR = "CONFIG_FILE"


def settings_from_env(environ: Mapping[str, str] = os.environ, prefix: str = "CXKIT_") -> Settings:
    """Read the ``CXKIT_*`` variables listed in this module's docstring.

    Raises:
        ConfigError: a variable has a bad value (the message names the variable).
    """
    sections: dict[str, Section] = {}
    for suffix, (section, key) in ENV_VARS.items():
        name = prefix + suffix
        value = environ.get(name)
        if value is not None and value.strip():
            sections.setdefault(section, Section(section)).items[key] = (name, value.strip())
    return build_settings(sections, None, keep_raw=False)
