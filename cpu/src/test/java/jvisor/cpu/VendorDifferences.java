package jvisor.cpu;

/**
 * Results the manuals leave to the CPU vendor, where jvisor follows Intel: the host-oracle tests
 * accept the other vendor's result on a non-Intel host only. Both the per-family tests ({@code
 * Sse41Test}, {@code StringOpsTest}) and the random campaigns ({@code oracle.NonIntelHost}) take
 * the rules from here (the flags of shifts and rotates are in {@link SdmShiftFlags}).
 */
public final class VendorDifferences {
    private VendorDifferences() {}

    /**
     * Whether two 32- or 64-bit lanes of a DPPS/DPPD result agree: equal, or both NaNs. Which NaN
     * a dot product returns when several of its products are NaNs depends on the order of its
     * internal additions (an SSE addition of two NaNs returns its first source, SDM Vol. 1
     * "Operating on SNaNs and QNaNs"), and Intel and AMD CPUs add in different orders.
     */
    public static boolean sameOrBothNaN(long a, long b, int laneBits) {
        return a == b || isNaN(a, laneBits) && isNaN(b, laneBits);
    }

    private static boolean isNaN(long v, int laneBits) {
        return laneBits == 64 ? Double.isNaN(Double.longBitsToDouble(v)) : Float.isNaN(Float.intBitsToFloat((int) v));
    }

    /**
     * The registers (a mask of 1 << Reg) whose upper halves a REP string instruction with a 32-bit
     * address size and ECX = 0 leaves alone on an AMD CPU, and zero-extends on an Intel CPU (and
     * in jvisor): ECX, and ESI/EDI where the instruction uses them; 0 if mnemonic is not a string
     * instruction. The SDM's REP pseudo-code names ECX and ESI/EDI and repeats "WHILE CountReg !=
     * 0", and Intel CPUs still write them back as 32-bit registers; AMD's APM ("Repeat Prefixes")
     * does not execute the instruction at all with a count of 0.
     */
    public static int emptyRepA32Registers(String mnemonic) {
        int source = 1 << Reg.RSI, destination = 1 << Reg.RDI;
        int used = switch (mnemonic) {
            case "movs", "cmps" -> source | destination;
            case "lods" -> source;
            case "stos", "scas" -> destination;
            default -> 0;
        };
        return used == 0 ? 0 : used | 1 << Reg.RCX;
    }
}
