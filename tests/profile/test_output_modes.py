"""Report folders with a read-only mode: kept on replacement, and still replaceable later."""
import os
import stat

import pytest

from diffkit.profile.output import replacing_folder

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                                reason="permission bits do not bind the superuser")


def write(folder, text):
    with replacing_folder(str(folder)) as tmp:
        with open(os.path.join(tmp, "index.md"), "w") as fh:
            fh.write(text)


def test_a_read_only_report_is_replaced_again_and_again_without_leftovers(tmp_path):
    out = tmp_path / "report"
    write(out, "first")
    out.chmod(0o555)
    write(out, "second")  # the old read-only folder must be removable once set aside
    write(out, "third")
    assert (out / "index.md").read_text() == "third"
    assert stat.S_IMODE(out.stat().st_mode) == 0o555
    assert os.listdir(tmp_path) == ["report"]
    out.chmod(0o755)  # let pytest clean up
