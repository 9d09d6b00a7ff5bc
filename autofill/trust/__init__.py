"""Trust: who may read whose data, and the record that they did.

The public face other packages use; the modules behind it are this package's own:

* `access`: principals (`Principal`, `KeyPrincipal`) and the `Authenticator`;
* `authz`: the one authorisation point (`Action`, `Ask` → `Grant` or a typed refusal);
* `releases`: the one `ReleaseService` through which personal data leaves, audited;
* `audit`, `audit_writers`, `audit_subjects`: the audit log (`Release`, `Disclosed`);
* `access_log`: a citizen's own view of the releases of their data;
* `limits`, `enumeration`: budgets and the enumeration watch;
* `keys`: stored API keys; `redaction`: identifiers out of logs;
* `submission`: submission tokens.

Trust never imports prefill, the API or the portal: they call it.
"""

from autofill.trust.access import Authenticator, KeyPrincipal, KeyStore, Principal, hash_secret
from autofill.trust.audit import AuditFilter, Disclosed, Release, decode_cursor
from autofill.trust.authz import Action, Ask, Authorizer, Grant, safe_request_id
from autofill.trust.releases import IssuedSubmission, ReleaseService
from autofill.trust.service import Trust
from autofill.trust.submission import MAX_TOKEN_CHARS

__all__ = [
    "MAX_TOKEN_CHARS",
    "Action",
    "Ask",
    "AuditFilter",
    "Authenticator",
    "Authorizer",
    "Disclosed",
    "Grant",
    "IssuedSubmission",
    "KeyPrincipal",
    "KeyStore",
    "Principal",
    "Release",
    "ReleaseService",
    "Trust",
    "decode_cursor",
    "hash_secret",
    "safe_request_id",
]
