"""A real SMTP server (aiosmtpd) for the notify tests: each message is written to
OUTDIR/NNNN.eml with the envelope and session facts as X-Test-* headers first.

usage: smtp_server.py PORT OUTDIR [--tls CERT KEY] [--auth USER PASSWORD]
With --tls the server offers STARTTLS and requires it; with --auth it requires AUTH
(after STARTTLS). Prints READY when it accepts connections."""
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Mailbox:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.outdir, "%04d.eml" % self.count)
        facts = [
            b"X-Test-Mail-From: " + envelope.mail_from.encode(),
            b"X-Test-Rcpt-Tos: " + ",".join(envelope.rcpt_tos).encode(),
            b"X-Test-Tls: " + (b"yes" if session.ssl else b"no"),
            b"X-Test-Auth: " + (b"yes" if session.authenticated else b"no"),
        ]
        with open(path + ".tmp", "wb") as f:
            f.write(b"\r\n".join(facts) + b"\r\n")
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    kwargs = {}
    if "--tls" in args:
        i = args.index("--tls")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args[i + 1], args[i + 2])
        kwargs.update(tls_context=context, require_starttls=True)
    if "--auth" in args:
        i = args.index("--auth")
        user, password = args[i + 1].encode(), args[i + 2].encode()

        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login == user and data.password == password
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    controller = Controller(Mailbox(outdir), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("READY", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
