"""The two brokers under test and their command lines per scenario.

Both listen on 127.0.0.1:PORT only and get the same per-session queue length
(scenario.queue_len). emqd runs with its built-in defaults plus --set overrides; mosquitto
with a generated config: listener, anonymous access, no connection limit, the queue, and
its defaults otherwise (so it logs connects at its default log level).
"""

import subprocess


class emqd_broker:
    name = "emqd"

    def __init__(self, binary):
        self.binary = binary

    def sets(self, sc, port, workdir):
        sets = {
            "listener.tcp.external": f"127.0.0.1:{port}",
            "node.data_dir": f"{workdir}/data",
            "zone.external.max_mqueue_len": str(sc.queue_len),
        }
        sets.update(sc.emqd_sets)
        return sets

    def prepare(self, sc, port, workdir):
        """The command line (and no config file: everything is a --set)."""
        cmd = [str(self.binary)]
        for k, v in self.sets(sc, port, workdir).items():
            cmd += ["--set", f"{k}={v}"]
        return cmd, None

    def version(self):
        try:
            return subprocess.run([str(self.binary), "--version"], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"


class mosquitto_broker:
    name = "mosquitto"

    def __init__(self, binary="mosquitto"):
        self.binary = binary

    @staticmethod
    def config(sc, port, workdir):
        text = (f"listener {port} 127.0.0.1\n"
                "allow_anonymous true\n"
                "max_connections -1\n"
                f"max_queued_messages {sc.queue_len}\n")
        if sc.persistent:
            text += f"persistence true\npersistence_location {workdir}/\n"
        return text

    def prepare(self, sc, port, workdir):
        """The command line and the config file's text (written to workdir/mosquitto.conf)."""
        path = f"{workdir}/mosquitto.conf"
        text = self.config(sc, port, workdir)
        with open(path, "w") as f:
            f.write(text)
        return [self.binary, "-c", path], text

    def version(self):
        try:
            out = subprocess.run([self.binary, "-h"], capture_output=True, text=True,
                                 timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            return "not found"
        first = out.splitlines()[0] if out else ""
        return first.replace("mosquitto version", "").strip() or "unknown"
