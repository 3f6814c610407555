"""ContainerStack: the harness's Stack (its private MariaDB, PKI, tokens and
ports) with every service started from its container image by podman, as
the Helm chart starts it (deploy/k8s/helm/smartmed/templates/workload.yaml):
the chart's numeric user and group, a read-only root file system with a
tmpfs on /tmp, no capabilities, no privilege escalation, the settings from
the environment, every secret a file in a read-only mount (mode 0440, group
10001, as the chart's Secret volumes), and the audit spool on a volume.
The host network: the services reach MariaDB and each other on 127.0.0.1
as in the harness."""

import os
import re
import secrets
import shutil
import subprocess
import time

from harness import paths, stack

PODMAN = os.path.join(paths.REPO_ROOT, "tools", "images", "podman")
WORKLOAD = os.path.join(paths.REPO_ROOT, "deploy", "k8s", "helm", "smartmed",
                        "templates", "workload.yaml")
CHART = os.path.join(paths.REPO_ROOT, "deploy", "k8s", "helm", "smartmed",
                     "Chart.yaml")
SPOOL = "/var/lib/smartmed/spool"
MODEL_DIR = "/usr/share/smartmed/models"
FACE_DIR = MODEL_DIR + "/face"
# Where the chart mounts each secret file (configmap.yaml's MED_* paths);
# the harness-only files (tokens, face keys) go under /etc/smartmed/files.
SECRET_PATHS = {
    "MED_TLS_CERT": "tls/tls.crt",
    "MED_TLS_KEY": "tls/tls.key",
    "MED_TLS_CA": "tls/ca.crt",
    "MED_DB_TLS_CA": "db/ca.crt",
    "MED_BREAK_GLASS_PUBLIC_KEY": "break-glass/public.pem",
    "MED_BREAK_GLASS_KEY": "break-glass/private.pem",
}


# podman's default limits exceed this host's hard limits, which runc then
# refuses; these fit under them (and the chart sets none).
ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]


def podman(*args, check=True, timeout=120):
    """Runs tools/images/podman; returns its stdout as text."""
    r = subprocess.run([PODMAN] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    if check and r.returncode != 0:
        raise stack.StackError("podman %s failed (%d): %s" % (
            " ".join(args[:2]), r.returncode,
            r.stderr.decode("utf-8", "replace").strip()))
    return r.stdout.decode("utf-8", "replace")


def chart_user():
    """(uid, gid) of the chart's pod securityContext."""
    with open(WORKLOAD) as f:
        text = f.read()
    uid = re.search(r"runAsUser:\s*(\d+)", text)
    gid = re.search(r"runAsGroup:\s*(\d+)", text)
    if not uid or not gid:
        raise ValueError("%s names no runAsUser/runAsGroup" % WORKLOAD)
    return int(uid.group(1)), int(gid.group(1))


def image_exists(svc):
    """True if service svc's image is in podman's local storage."""
    return subprocess.run([PODMAN, "image", "exists",
                           image_name(svc)]).returncode == 0


def image_has(svc, path):
    """True if service svc's image holds the file path (the image's root
    mounted read-only for the look)."""
    root = podman("image", "mount", image_name(svc)).strip()
    try:
        return os.path.isfile(os.path.join(root, path.lstrip("/")))
    finally:
        podman("image", "unmount", image_name(svc), check=False)


def image_name(svc):
    """The tag tools/images/build.sh gives service svc's image."""
    with open(CHART) as f:
        version = re.search(r"^version:\s*(\S+)", f.read(), re.M).group(1)
    registry = os.environ.get("MED_IMAGES_REGISTRY",
                              "registry.hospital.internal")
    return "%s/smartmed/smartmed-%s:%s" % (registry, svc, version)


def cannot_run_containers():
    """Why podman cannot run a container here, or None when it can."""
    if os.geteuid() != 0:
        return "podman runs rootful here and the tests are not root"
    if shutil.which("podman") is None:
        return "podman is not installed (tools/dev/install-deps.sh)"
    img = image_name("audit")
    r = subprocess.run([PODMAN, "image", "exists", img])
    if r.returncode != 0:
        return None  # the image tests fail on the missing images
    r = subprocess.run([PODMAN, "run", "--rm", "--network", "host"] +
                       ULIMITS + ["--entrypoint", "/bin/true", img], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    if r.returncode != 0:
        return "podman cannot run a container here: %s" % (
            r.stdout.decode("utf-8", "replace").strip()[-400:])
    return None


class ContainerStack(stack.Stack):
    """A Stack whose services run in their images (see the module doc)."""

    def __init__(self, **kw):
        kw.setdefault("health_timeout", 60.0)
        super().__init__(**kw)
        self.uid, self.gid = chart_user()
        self.containers = {}

    def _secret_dir(self, key):
        d = os.path.join(self.workdir, "secrets", key)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        return d

    def _add_secret(self, root, rel, data):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.chown(os.path.dirname(path), 0, self.gid)
        os.chmod(os.path.dirname(path), 0o750)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, 0, self.gid)
        os.chmod(path, 0o440)
        return "/etc/smartmed/" + rel

    def container_args(self, key):
        """podman run's arguments for service process key."""
        svc = self.services[key]
        root = self._secret_dir(key)
        env = {}
        for k, v in svc.env.items():
            if not k.startswith("MED_") or k == "MED_AUDIT_SPOOL_DIR":
                continue
            if k == "MED_DB_PASSWORD":
                env["MED_DB_PASSWORD_FILE"] = self._add_secret(
                    root, "db/password", v.encode())
            elif os.path.isabs(v) and os.path.isfile(v):
                rel = SECRET_PATHS.get(k, "files/" + k.lower())
                with open(v, "rb") as f:
                    env[k] = self._add_secret(root, rel, f.read())
            else:
                env[k] = v
        os.chown(svc.spool_dir, self.uid, self.gid)
        os.chmod(svc.spool_dir, 0o700)
        name = "smartmed-test-%s-%s" % (key, secrets.token_hex(4))
        args = ["run", "--rm", "--name", name, "--network", "host",
                "--user", "%d:%d" % (self.uid, self.gid),
                "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            ] + ULIMITS + [
                "--volume", "%s:%s" % (svc.spool_dir, SPOOL)]
        for d in sorted(os.listdir(root)):
            args += ["--volume", "%s:/etc/smartmed/%s:ro" % (
                os.path.join(root, d), d)]
        for k, v in sorted(env.items()):
            args += ["--env", "%s=%s" % (k, v)]
        return name, args + [image_name(svc.name)]

    def _spawn(self, key):
        svc = self.services[key]
        name, args = self.container_args(key)
        self.containers[key] = name
        with open(svc.log_path, "ab") as log:
            log.write(("--- start %s (container %s) at %s\n" % (
                key, name, time.strftime("%H:%M:%S"))).encode())
            log.flush()
            # podman run in the foreground passes SIGTERM on to the
            # service, so the harness's stop_service works unchanged.
            svc.proc = subprocess.Popen(
                [PODMAN] + args, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

    def container_pid(self, key):
        """The host pid of service key's process in its container."""
        return int(podman("inspect", "--format", "{{.State.Pid}}",
                          self.containers[key]).strip())

    def _stop_all_services(self):
        try:
            super()._stop_all_services()
        finally:
            for name in self.containers.values():
                podman("rm", "--force", "--ignore", name, check=False)
