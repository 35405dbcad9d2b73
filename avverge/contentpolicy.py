"""Middleware: django-csp's, with the Content-Security-Policy header built once per policy.

django-csp builds the header from the settings for every response (a dataclass turned into a
dict, every directive copied and joined), which costs a guide page a tenth of its own work.
Avverge's pages use no nonce and no per-view policy (``csp_update`` and the like), so the
header is the same string for every response: it is made once for each policy in the settings
and handed out after. A response that does carry a nonce or a policy of its own goes through
django-csp unchanged.
"""

from csp import middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings

# Where a view's decorators leave their changes to the policy (django-csp's get_policy_parts).
OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(middleware.CSPMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        # setting name -> (the policy in the settings, its header): the policy is compared by
        # identity, so a changed setting (override_settings) is built again.
        self.built = {}

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in OWN_POLICY
        ):
            return super().process_response(request, response)
        # As django-csp: its debug pages are left alone.
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, setting, exempt in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            policy = getattr(settings, setting, None)
            value = self.header(setting, policy, report_only=header == HEADER_REPORT_ONLY)
            prefixes = tuple((policy or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if (
                value
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def header(self, setting, policy, report_only):
        held = self.built.get(setting)
        if held is None or held[0] is not policy:
            held = self.built[setting] = (policy, build_policy(report_only=report_only))
        return held[1]
