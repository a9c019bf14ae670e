#!/usr/bin/python3
"""Writes the codec fuzz seed corpus (tests/fuzz/corpus/seed-*).

Each file is one fuzz input: byte 0 is the control byte read by codec_fuzz_target.cpp
(high bit clear: 1 MiB packet limit; set: a small limit), the rest a client byte stream.
The seeds cover every packet type in 3.1.1 and 5.0, CONNECT in 3.1, multi-packet streams,
truncated packets and size-limit cases. Re-run after changing it; crashers found by the
fuzzer are kept beside the seeds under other names (crash-*).
"""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def vbi(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return bytes(out)


def s(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack(">H", len(data)) + data


def u16(n):
    return struct.pack(">H", n)


def u32(n):
    return struct.pack(">I", n)


def pkt(header, body=b""):
    return bytes([header]) + vbi(len(body)) + body


def props(*items):
    body = b"".join(items)
    return vbi(len(body)) + body


def p_u8(pid, v):
    return bytes([pid, v])


def p_u16(pid, v):
    return bytes([pid]) + u16(v)


def p_u32(pid, v):
    return bytes([pid]) + u32(v)


def p_str(pid, v):
    return bytes([pid]) + s(v)


def p_user(k, v):
    return b"\x26" + s(k) + s(v)


def connect(level, flags, payload, prop_block=b""):
    name = "MQIsdp" if level == 3 else "MQTT"
    return pkt(0x10, s(name) + bytes([level, flags]) + u16(60) + prop_block + payload)


SEEDS = {
    # ---- MQTT 3.1 / 3.1.1
    "v31-connect": connect(3, 0x02, s("c31")),
    "v4-connect-full": connect(4, 0xEE, s("client") + s("will/t") + s("bye") + s("u") + s("pw")),
    "v4-connack": pkt(0x20, b"\x01\x00"),
    "v4-publish-qos0": pkt(0x30, s("a/b") + b"hello"),
    "v4-publish-qos2-dup-retain": pkt(0x3D, s("a/b") + u16(7) + b"x"),
    "v4-acks": pkt(0x40, u16(1)) + pkt(0x50, u16(2)) + pkt(0x62, u16(2)) + pkt(0x70, u16(2)),
    "v4-subscribe": pkt(0x82, u16(3) + s("a/+") + b"\x01" + s("b/#") + b"\x02"),
    "v4-suback": pkt(0x90, u16(3) + b"\x00\x01\x02\x80"),
    "v4-unsubscribe": pkt(0xA2, u16(4) + s("a/+") + s("b/#")),
    "v4-unsuback": pkt(0xB0, u16(4)),
    "v4-ping-disconnect": pkt(0xC0) + pkt(0xD0) + pkt(0xE0),
    # ---- MQTT 5.0
    "v5-connect-full": connect(
        5, 0xEE,
        s("c5")
        + props(p_u32(0x18, 5), p_u8(0x01, 1), p_u32(0x02, 60), p_str(0x03, "text"),
                p_str(0x08, "r/t"), p_str(0x09, b"\x00\x01"), p_user("wk", "wv"))
        + s("will/t") + s("bye") + s("u") + s("pw"),
        props(p_u32(0x11, 10), p_u16(0x21, 20), p_u32(0x27, 1000), p_u16(0x22, 5),
              p_u8(0x19, 1), p_u8(0x17, 0), p_user("k", "v"), p_str(0x15, "SCRAM"),
              p_str(0x16, b"\x01\x02"))),
    "v5-connect-password-only": connect(5, 0x42, s("") + s("secret"), props()),
    "v5-connack": pkt(0x20, b"\x00\x00" + props(
        p_u32(0x11, 1), p_u16(0x21, 2), p_u8(0x24, 1), p_u8(0x25, 0), p_u32(0x27, 4),
        p_str(0x12, "auto"), p_u16(0x22, 5), p_str(0x1F, "ok"), p_user("a", "b"),
        p_u8(0x28, 1), p_u8(0x29, 0), p_u8(0x2A, 1), p_u16(0x13, 30), p_str(0x1A, "ri"),
        p_str(0x1C, "srv"), p_str(0x15, "m"), p_str(0x16, "d"))),
    "v5-publish-props": pkt(0x32, s("a/b") + u16(9) + props(
        p_u16(0x23, 3), b"\x0b\x02", b"\x0b\xac\x02", p_u8(0x01, 1), p_u32(0x02, 100),
        p_str(0x03, "ct"), p_str(0x08, "resp"), p_str(0x09, "corr"), p_user("k", "v"))
        + b"payload"),
    "v5-publish-alias-only": pkt(0x30, s("") + props(p_u16(0x23, 1)) + b"x"),
    "v5-acks": pkt(0x40, u16(1) + b"\x10") + pkt(0x50, u16(2) + b"\x00" + props(
        p_str(0x1F, "why"), p_user("a", "b"))) + pkt(0x62, u16(2) + b"\x92\x00")
        + pkt(0x70, u16(2)),
    "v5-subscribe": pkt(0x82, u16(5) + props(b"\x0b\x05", p_user("u", "v"))
                        + s("a/+") + b"\x1d" + s("$share/g/t") + b"\x22"),
    "v5-suback": pkt(0x90, u16(5) + props(p_str(0x1F, "rs")) + b"\x00\x01\x8f\xa2"),
    "v5-unsubscribe": pkt(0xA2, u16(6) + props(p_user("u", "v")) + s("a/+")),
    "v5-unsuback": pkt(0xB0, u16(6) + props() + b"\x00\x11"),
    "v5-disconnect": pkt(0xE0, b"\x04" + props(p_u32(0x11, 0), p_str(0x1F, "bye"),
                                                 p_str(0x1C, "other"), p_user("k", "v"))),
    "v5-disconnect-short": pkt(0xE0, b"\x8e") + pkt(0xE0),
    "v5-auth": pkt(0xF0, b"\x18" + props(p_str(0x15, "m"), p_str(0x16, "d"),
                                         p_str(0x1F, "more"), p_user("a", "b"))) + pkt(0xF0),
    # ---- streams, truncation, limits, malformed headers
    "stream-mixed": connect(4, 0x02, s("m")) + pkt(0x82, u16(1) + s("t") + b"\x01")
        + pkt(0x32, s("t") + u16(2) + b"p" * 200) + pkt(0xC0) + pkt(0xE0),
    "trunc-connect": connect(5, 0x06, s("c") + props() + s("w") + s("p"), props())[:-4],
    "trunc-publish": pkt(0x30, s("topic") + b"payload")[:6],
    "trunc-header": b"\x30\xff\xff",
    "bad-remaining-length": b"\x30\xff\xff\xff\xff\x01",
    "bad-utf8-topic": pkt(0x30, s(b"\xed\xa0\x80") + b"x"),
    "bad-reserved-flags": pkt(0x60, u16(1)) + pkt(0x80, u16(1) + s("a") + b"\x00"),
    "bad-duplicate-prop": pkt(0x30, s("a") + props(p_u16(0x23, 1), p_u16(0x23, 2))),
}

# Small packet limits (control byte with the high bit set): 2 + 4 * (c & 0x7F) bytes.
LIMITED = {
    "limit-too-large": (0x81, pkt(0x30, s("a") + b"z" * 64)),
    "limit-exact": (0x82, pkt(0x30, s("a") + b"z")),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, "seed-" + name), "wb") as f:
            f.write(b"\x00" + data)
    for name, (control, data) in LIMITED.items():
        with open(os.path.join(OUT, "seed-" + name), "wb") as f:
            f.write(bytes([control]) + data)
    print(f"wrote {len(SEEDS) + len(LIMITED)} seeds to {OUT}")


if __name__ == "__main__":
    main()
