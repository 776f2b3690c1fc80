package jvisor.cpu;

/**
 * What a shift or rotate does to the status flags, from the SDM's "Flags Affected" (Vol. 2B,
 * SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD): which flags it writes with a defined value and
 * which it leaves undefined. jvisor follows Intel CPUs in the undefined ones, so the host-oracle
 * tests compare those only on an Intel host; both the per-family tests ({@code ShiftTest}) and
 * the random campaigns ({@code oracle.NonIntelHost}) take the rules from here.
 */
public final class SdmShiftFlags {
    private SdmShiftFlags() {}

    /**
     * The flags written with a defined value, those left undefined, and whether the destination
     * is undefined too (SHLD/SHRD by more than the operand size).
     */
    public record Written(long defined, long undefined, boolean resultUndefined) {
        static final Written NOTHING = new Written(0, 0, false);
    }

    /** The count as the CPU masks it: to 6 bits for 64-bit operands, to 5 bits otherwise. */
    public static int maskedCount(int bits, long count) {
        return (int) (count & (bits == 64 ? 0x3F : 0x1F));
    }

    /**
     * op (rol, ror, rcl, rcr, shl, sal, shr, sar, shld, shrd) of a bits-wide operand by the masked
     * count:
     * <ul>
     * <li>a masked count of 0: "the flags are not affected";
     * <li>SAL/SHL/SHR/SAR: SF, ZF, PF by the result; "For a non-zero count, the AF flag is
     * undefined"; OF "is affected only for 1-bit shifts ...; otherwise, it is undefined"; CF the
     * last bit out, but "undefined for SHL and SHR instructions where the count is greater than or
     * equal to the size (in bits) of the destination operand" (byte and word operands only);
     * <li>ROL/ROR/RCL/RCR: CF; OF for a masked count of 1, "otherwise ... undefined"; SF, ZF, AF,
     * PF unaffected;
     * <li>SHLD/SHRD: CF, SF, ZF, PF; "If a shift operation occurs, the AF flag is undefined"; "For
     * shifts greater than 1 bit, the OF flag is undefined"; "If the count is greater than the
     * operand size, the result is undefined" and so are all six flags (only 16-bit operands can
     * have such a masked count).
     * </ul>
     */
    public static Written of(String op, int bits, int masked) {
        if (masked == 0) return Written.NOTHING;
        long of1 = masked == 1 ? Flags.OF : 0, ofMany = masked == 1 ? 0 : Flags.OF;
        return switch (op) {
            case "shl", "sal", "shr", "sar" -> {
                boolean cfUndefined = !op.equals("sar") && masked >= bits;
                long def = Flags.SF | Flags.ZF | Flags.PF | of1 | (cfUndefined ? 0 : Flags.CF);
                yield new Written(def, Flags.AF | ofMany | (cfUndefined ? Flags.CF : 0), false);
            }
            case "rol", "ror", "rcl", "rcr" -> new Written(Flags.CF | of1, ofMany, false);
            case "shld", "shrd" -> masked > bits
                    ? new Written(0, Flags.STATUS, true)
                    : new Written(Flags.CF | Flags.SF | Flags.ZF | Flags.PF | of1, Flags.AF | ofMany, false);
            default -> throw new IllegalArgumentException(op);
        };
    }
}
