"""A section re-measured alone replaces only its own part of BENCHMARKS.md."""
from bench.report import replace_section


def test_a_section_replaces_its_namesake_and_leaves_the_others(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Gateway (local)\n\nold local\n\n## Gateway (docker)\n\nold docker\n",
                    encoding="utf-8")
    replace_section(["## Gateway (local)", "", "new local"], path)
    replace_section(["## Pages", "", "pages"], path)
    assert path.read_text(encoding="utf-8") == ("# Benchmarks\n\n## Gateway (local)\n\nnew local\n\n"
                                                "## Gateway (docker)\n\nold docker\n\n## Pages\n\npages")
