/* wasmcrictl - a crictl-compatible CRI client; the work lives in src/crictl. */
#include "crictl/commands.h"

int main(int argc, char **argv)
{
    return crictl_main(argc, argv);
}
