"""A set-up the engine cannot honour stops the server at start with a
clear message (Mistral's engine refuses the same set-up)."""

import os
import subprocess
import sys


def test_unconverted_yaql_output_needs_unconverted_input(tmp_path):
    conf = tmp_path / "mistral-clone.conf"
    conf.write_text("[api]\nport = 0\n[yaql]\nconvert_input_data = True\n"
                    "convert_output_data = False\n")
    server = os.path.join(os.path.dirname(sys.executable),
                          "mistral-clone-server")
    done = subprocess.run(
        [server, "--server", "engine", "--config-file", str(conf)],
        env=dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert ("cannot start: The config property 'yaql.convert_output_data' "
            "is set to False so 'yaql.convert_input_data' must also be set "
            "to False.") in done.stderr
