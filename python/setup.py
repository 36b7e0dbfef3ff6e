# Only what pyproject.toml cannot say: the wheel carries native binaries that do not depend on the Python
# version (they are loaded by SQLite and exec'd, never imported), so it is tagged py3-none-<platform> and
# installs into the platform-specific site-packages. auditwheel then turns linux_x86_64 into manylinux_2_NN.
from setuptools import setup
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=BinaryDistribution, cmdclass={"bdist_wheel": PlatformWheel})
