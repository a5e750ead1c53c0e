#!/usr/bin/env python3
"""A loopback SMTP server for systemd/nspawn-test, stdlib only (smtpd is deprecated in 3.11
and gone in 3.12).

    test-smtp.py HOST PORT OUTDIR USER PASSWORD_FILE

Advertises AUTH PLAIN and LOGIN and accepts MAIL only after a successful AUTH as USER with
the password in PASSWORD_FILE, so a delivered message proves the client had the password.
Every AUTH attempt is appended to OUTDIR/auth.log ("ok USER" or "refused USER"), every
accepted message is written to OUTDIR/NNN.eml (complete files only: written, then renamed).
"""

import base64
import itertools
import os
import socketserver
import sys
import threading

host, port, outdir, want_user, password_file = sys.argv[1:6]
with open(password_file, encoding="utf-8") as f:
    want_password = f.read().rstrip("\r\n")
counter = itertools.count(1)
lock = threading.Lock()


def log_auth(result, user):
    with lock, open(os.path.join(outdir, "auth.log"), "a", encoding="utf-8") as f:
        f.write(f"{result} {user}\n")


def save(mail_from, rcpts, data):
    with lock:
        n = next(counter)
    path = os.path.join(outdir, f"{n:03}.eml")
    with open(path + ".part", "wb") as f:
        f.write(f"X-Test-Mail-From: {mail_from}\r\n".encode())
        f.write(f"X-Test-Rcpt-To: {', '.join(rcpts)}\r\n".encode())
        f.write(data)
    os.rename(path + ".part", path)


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def line(self):
        raw = self.rfile.readline(1 << 16)
        if not raw:
            raise EOFError
        return raw.rstrip(b"\r\n")

    def b64(self, text):
        try:
            return base64.b64decode(text, validate=True).decode("utf-8", "replace")
        except ValueError:
            return None

    def check(self, user, password):
        ok = user == want_user and password == want_password
        log_auth("ok" if ok else "refused", user)
        self.reply("235 2.7.0 Authentication successful" if ok else "535 5.7.8 Bad credentials")
        return ok

    def auth(self, args):
        mech = args[0].upper() if args else ""
        if mech == "PLAIN":
            if len(args) > 1:
                blob = args[1]
            else:
                self.reply("334 ")
                blob = self.line().decode()
            decoded = self.b64(blob)
            parts = decoded.split("\0") if decoded is not None else []
            if len(parts) != 3:
                self.reply("501 5.5.2 Malformed AUTH PLAIN")
                return False
            return self.check(parts[1], parts[2])
        if mech == "LOGIN":
            if len(args) > 1:
                user = self.b64(args[1])
            else:
                self.reply("334 VXNlcm5hbWU6")
                user = self.b64(self.line().decode())
            self.reply("334 UGFzc3dvcmQ6")
            password = self.b64(self.line().decode())
            if user is None or password is None:
                self.reply("501 5.5.2 Malformed AUTH LOGIN")
                return False
            return self.check(user, password)
        self.reply("504 5.5.4 Unrecognized authentication type")
        return False

    def handle(self):
        authed, mail_from, rcpts = False, None, []
        self.reply("220 localhost canaryd nspawn-test ESMTP")
        try:
            while True:
                words = self.line().decode("utf-8", "replace").split()
                verb, args = (words[0].upper(), words[1:]) if words else ("", [])
                if verb == "EHLO":
                    self.reply("250-localhost")
                    self.reply("250-8BITMIME")
                    self.reply("250 AUTH PLAIN LOGIN")
                elif verb == "HELO":
                    self.reply("250 localhost")
                elif verb == "AUTH":
                    authed = self.auth(args) or authed
                elif verb == "MAIL":
                    if not authed:
                        self.reply("530 5.7.0 Authentication required")
                        continue
                    mail_from, rcpts = " ".join(args), []
                    self.reply("250 2.1.0 Ok")
                elif verb == "RCPT":
                    if mail_from is None:
                        self.reply("503 5.5.1 MAIL first")
                        continue
                    rcpts.append(" ".join(args))
                    self.reply("250 2.1.5 Ok")
                elif verb == "DATA":
                    if not rcpts:
                        self.reply("503 5.5.1 RCPT first")
                        continue
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    data = bytearray()
                    while (chunk := self.line()) != b".":
                        data += (chunk[1:] if chunk.startswith(b".") else chunk) + b"\r\n"
                    save(mail_from, rcpts, bytes(data))
                    self.reply("250 2.0.0 Ok: queued")
                    mail_from, rcpts = None, []
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    self.reply("250 2.0.0 Ok")
                elif verb == "NOOP":
                    self.reply("250 2.0.0 Ok")
                elif verb == "QUIT":
                    self.reply("221 2.0.0 Bye")
                    return
                else:
                    self.reply("502 5.5.2 Command not recognized")
        except (EOFError, ConnectionError, TimeoutError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server((host, int(port)), Session) as server:
    print(f"test-smtp: listening on {host}:{port}", flush=True)
    server.serve_forever()
