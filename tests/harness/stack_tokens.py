"""The tokens of a Stack (tests/harness/stack.py): the development users
and roles, the tokens file the services read, and call metadata."""

import os
import secrets

ROLES = ("clinician", "nurse", "pharmacist", "registrar", "admin", "auditor",
         "service", "researcher")
USERS = {
    "clinician": "dr.test",
    "nurse": "nurse.test",
    "pharmacist": "pharm.test",
    "registrar": "reg.test",
    "admin": "admin.test",
    "auditor": "auditor.test",
    "service": "svc.test",
    "researcher": "researcher.test",
}
# The roles a development token may carry.  A service is known by its
# certificate alone (libmed refuses a token file that grants "service"), so
# role="service" calls present SERVICE_CALLER's certificate and no token.
TOKEN_ROLES = tuple(r for r in ROLES if r != "service")
SERVICE_CALLER = "audit"


class StackTokens:
    """The part of Stack that holds its users' bearer tokens."""

    def _init_tokens(self, tokens_path, user_units):
        """The constructor's token options (Stack's docstring)."""
        self.tokens_path = tokens_path or os.path.join(self.workdir, "tokens")
        # user_units: {role: "ward-a,ward-b"}, the units claim of that
        # role's development token (make run puts its nurse and clinician
        # on a ward, so that care checks are on as in a real install).
        self.user_units = dict(user_units or {})
        self.tokens = {}

    def _read_tokens(self):
        """Reads the development users' tokens from the tokens file into
        self.tokens; True when it holds every role's, with the units this
        Stack gives them."""
        units = {}
        with open(self.tokens_path) as f:
            for line in f:
                parts = line.split()
                # Only the harness's own users (USERS): a suite may add
                # users of its own, with units, to the same file.
                if (len(parts) in (3, 4) and parts[2] in ROLES
                        and parts[1] == USERS[parts[2]]):
                    self.tokens[parts[2]] = parts[0]
                    if len(parts) == 4:
                        units[parts[2]] = parts[3]
        return (set(self.tokens) == set(TOKEN_ROLES)
                and units == self.user_units)

    def _load_tokens(self):
        """The tokens of a running stack, never rewritten (Stack.attach):
        raises ValueError when the file lacks a role or gives other
        units."""
        if not self._read_tokens():
            raise ValueError("%s does not hold this stack's development "
                             "tokens (roles %s, units %s)" % (
                                 self.tokens_path, ", ".join(TOKEN_ROLES),
                                 self.user_units))

    def _load_or_write_tokens(self):
        # A file from before service tokens were refused, or with other
        # units, is rewritten.
        if os.path.exists(self.tokens_path) and self._read_tokens():
            return
        self.tokens = {r: secrets.token_hex(24) for r in TOKEN_ROLES}
        fd = os.open(self.tokens_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as f:
            f.write("# TOKEN USER ROLE[,ROLE] [UNITS] - generated for "
                    "development\n")
            for r in TOKEN_ROLES:
                f.write(" ".join(filter(None, (
                    self.tokens[r], USERS[r], r,
                    self.user_units.get(r)))) + "\n")
        os.chmod(self.tokens_path, 0o600)

    def token(self, role):
        """The bearer token of a role (not "service": services have none)."""
        return self.tokens[role]

    def user(self, role):
        """The user name the token of role maps to ("service:NAME" for
        the service role)."""
        if role == "service":
            return "service:" + SERVICE_CALLER
        return USERS[role]

    def metadata(self, role=None, request_id=None, token=None):
        """Call metadata: authorization for role (or token), x-request-id.
        The service role sends no token: use channel(n, role="service")."""
        md = []
        if token is None and role not in (None, "service"):
            token = self.tokens[role]
        if token is not None:
            md.append(("authorization", "Bearer " + token))
        if request_id is not None:
            md.append(("x-request-id", request_id))
        return md
