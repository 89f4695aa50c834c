"""Certificates and credentials of the simulated cluster, made locally with openssl.

A private CA signs the API server's serving certificate (valid for 127.0.0.1 and localhost only); an RSA
key pair signs service-account tokens; static bearer tokens authenticate the admin and the control plane.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rmjob.errors import UserError

# Identities the API server knows from its token file: (user, uid, groups). The scheduler and the
# controller manager run as the users Kubernetes' bootstrap RBAC policy grants their permissions to.
IDENTITIES = {
    "admin": ("admin", "admin", "system:masters"),
    "scheduler": ("system:kube-scheduler", "kube-scheduler", ""),
    "controller-manager": ("system:kube-controller-manager", "kube-controller-manager", ""),
}


@dataclass(frozen=True)
class Pki:
    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def serving_cert(self) -> Path:
        return self.directory / "apiserver.crt"

    @property
    def serving_key(self) -> Path:
        return self.directory / "apiserver.key"

    @property
    def sa_key(self) -> Path:
        return self.directory / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.directory / "sa.pub"

    @property
    def token_file(self) -> Path:
        return self.directory / "tokens.csv"

    def token(self, identity: str) -> str:
        for line in self.token_file.read_text().splitlines():
            token, _user, uid, *_ = line.split(",")
            if uid == IDENTITIES[identity][1]:
                return token
        raise UserError(
            f"no token for {identity} in {self.token_file}; run `make sim-down` and `make sim-up`"
        )


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError(f"openssl {args[0]} failed: {proc.stderr.strip().splitlines()[-1:]}")


def create_pki(directory: Path) -> Pki:
    """Fresh CA, serving certificate, service-account keys and tokens in ``directory`` (mode 0700)."""
    if shutil.which("openssl") is None:
        raise UserError(
            "openssl is not installed; the simulated cluster makes certificates with it (apt install openssl)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    pki = Pki(directory)
    days = "3650"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", days, "-subj", "/CN=rm-kit-sim-ca", cwd=directory)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr",
             "-subj", "/CN=kube-apiserver", cwd=directory)  # fmt: skip
    (directory / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "apiserver.crt", "-days", days, "-extfile", "san.ext", cwd=directory)  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=directory)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=directory)
    rows = []
    for user, uid, groups in IDENTITIES.values():
        row = f"{secrets.token_hex(24)},{user},{uid}"
        rows.append(row + (f',"{groups}"' if groups else ""))
    pki.token_file.write_text("\n".join(rows) + "\n")
    for path in directory.iterdir():
        path.chmod(0o600)
    return pki
