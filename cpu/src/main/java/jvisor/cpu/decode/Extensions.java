package jvisor.cpu.decode;

/**
 * CPU extensions whose instructions the decoder accepts only when enabled (bit flags, see
 * {@link Form#extensions}). A CPU runs with the extensions its CPUID advertises; the
 * differential tester enables all of them, to prove forms against the host before they are
 * advertised.
 */
public final class Extensions {
    /** AVX: VEX-encoded SSE forms, 256-bit floating point, YMM state. */
    public static final int AVX = 1 << 0;
    /** AVX2: 256-bit integer forms, gathers, variable shifts, permutes. */
    public static final int AVX2 = 1 << 1;
    /** Every extension a form can name. */
    public static final int ALL = AVX | AVX2;

    private Extensions() {}

    /** The extension flag of a row attribute ("avx", "avx2"), or 0. */
    static int of(String attribute) {
        return switch (attribute) {
            case "avx" -> AVX;
            case "avx2" -> AVX2;
            default -> 0;
        };
    }
}
