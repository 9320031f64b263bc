"""Ids read from the system in chunks: valid, unique, never shared with a
forked child."""

import os
import uuid

from mistral_clone import random_ids


def test_ids_are_version_4_uuids_in_the_rfc_variant():
    for _ in range(300):   # past one chunk of 256
        value = uuid.UUID(random_ids.uuid4())
        assert value.version == 4
        assert value.variant == uuid.RFC_4122


def test_ids_do_not_repeat_across_chunks():
    ids = [random_ids.uuid4() for _ in range(3000)]
    assert len(set(ids)) == len(ids)


def test_a_forked_child_does_not_take_its_parents_next_id():
    random_ids.uuid4()          # the parent has a chunk in hand
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, random_ids.uuid4().encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        childs = pipe.read()
    os.waitpid(pid, 0)
    assert len(childs) == 36
    assert childs != random_ids.uuid4()
