"""Request ids: random version-4 UUIDs read from the system in blocks, never repeated, not
even by a forked child that inherited an unread block."""

from __future__ import annotations

import os
import uuid

from modelyard.core.serving.requests import IDS_PER_READ, new_request_id


def test_ids_are_random_version_4_uuids_and_never_repeat() -> None:
    ids = [new_request_id() for _ in range(IDS_PER_READ * 3 + 5)]
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(value).version for value in ids} == {4}
    assert {uuid.UUID(value).variant for value in ids} == {uuid.RFC_4122}


def test_a_forked_child_does_not_repeat_its_parent_s_next_ids() -> None:
    new_request_id()  # a block read, most of it unused
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read)
        os.write(write, "\n".join(new_request_id() for _ in range(8)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answers:
        from_child = set(answers.read().split("\n"))
    os.waitpid(child, 0)
    from_parent = {new_request_id() for _ in range(8)}
    assert len(from_child) == 8
    assert not from_child & from_parent
