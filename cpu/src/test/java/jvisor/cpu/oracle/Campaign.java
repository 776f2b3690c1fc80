package jvisor.cpu.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * Runs many generated cases on the host and the emulator and tallies the outcome. Batches are
 * pipelined: while the native runner executes a batch, this thread runs the same batch on the
 * emulator. Mismatches of forms in {@link #known} are counted apart (see
 * RandomDifferentialTest.KNOWN_SSE_MISMATCHES); every other mismatch is a failure.
 */
public final class Campaign {
    static final int BATCH = 4000;
    /** Full reports kept (the count of mismatches is always exact); -Djvisor.diff.reports=N keeps more. */
    static final int MAX_REPORTS = Integer.getInteger("jvisor.diff.reports", 20);

    final boolean sequence;
    final Set<String> known;
    long cases, hostFaults, mismatches, knownMismatches;
    long nanos, genNanos, emuNanos, waitNanos, checkNanos;
    final Map<String, Long> faultsByVector = new TreeMap<>();
    final Map<String, Long> mismatchesByEntry = new TreeMap<>();
    final Map<String, Long> knownByEntry = new TreeMap<>();
    final List<String> reports = new ArrayList<>();
    final List<String> knownReports = new ArrayList<>();
    final Map<String, Long> casesPerFamily = new TreeMap<>();
    /**
     * Non-Intel host ({@link NonIntelHost}): cases that agree only once what the host may choose
     * is left out, by what was left out; and sequences compared only up to an instruction that
     * took an undefined flag into a register or memory.
     */
    final Map<String, Long> allowedByKind = new TreeMap<>();
    long cutSequences;

    public Campaign(boolean sequence, Set<String> known) {
        this.sequence = sequence;
        this.known = known;
    }

    /** Runs cases first .. first+count-1 made by gen. */
    public void run(NativeOracle oracle, EmulatorRunner emu, LongFunction<DiffCase> gen, long first, long count) {
        long t0 = System.nanoTime();
        long next = first, end = first + count;
        while (next < end) {
            int n = (int) Math.min(BATCH, end - next);
            long a = System.nanoTime();
            List<DiffCase> batch = new ArrayList<>(n);
            for (int k = 0; k < n; k++) batch.add(gen.apply(next + k));
            long b = System.nanoTime();
            NativeOracle.Batch hb = oracle.submit(batch);
            Outcome[] mine = new Outcome[n];
            for (int k = 0; k < n; k++) mine[k] = emu.run(batch.get(k));
            long d = System.nanoTime();
            Outcome[] theirs = hb.join();
            long e = System.nanoTime();
            for (int k = 0; k < n; k++) check(oracle, emu, batch.get(k), theirs[k], mine[k]);
            genNanos += b - a;
            emuNanos += d - b;
            waitNanos += e - d;
            checkNanos += System.nanoTime() - e;
            next += n;
        }
        nanos += System.nanoTime() - t0;
    }

    private void check(NativeOracle oracle, EmulatorRunner emu, DiffCase c, Outcome host, Outcome mine) {
        cases++;
        for (Catalogue.Entry e : c.entries) casesPerFamily.merge(e.shape().family, 1L, Long::sum);
        if (host.vector() >= 0) {
            hostFaults++;
            faultsByVector.merge(Differ.vector(host.vector()), 1L, Long::sum);
        }
        Checked k = compareOnThisHost(oracle, emu, c, host, mine);
        NonIntelHost.Allowance a = k.verdict().allowance();
        if (k.cut()) cutSequences++;
        if (a.any()) allowedByKind.merge(a.describe(), 1L, Long::sum);
        String diff = k.verdict().diff();
        if (diff == null) return;
        c = k.compared();
        host = k.host();
        mine = k.mine();
        boolean isKnown = false;
        for (Catalogue.Entry e : c.entries) isKnown |= known.contains(e.shape().form.mnemonic);
        String key = sequence ? firstDiverging(oracle, emu, c) : c.entries.get(0).name();
        if (isKnown && !sequence) {
            knownMismatches++;
            knownByEntry.merge(key, 1L, Long::sum);
            if (knownReports.size() < 3 * MAX_REPORTS) knownReports.add(Differ.report(c, sequence, host, mine, diff));
            return;
        }
        mismatches++;
        mismatchesByEntry.merge(key, 1L, Long::sum);
        if (reports.size() < MAX_REPORTS) reports.add(Differ.report(c, sequence, host, mine, diff));
    }

    /** A comparison: the case compared (c, or the part of it that can be compared here), both outcomes, the verdict. */
    record Checked(DiffCase compared, Outcome host, Outcome mine, Differ.Verdict verdict, boolean cut) {}

    /**
     * Compares the host's and jvisor's outcome of c ({@link Differ#check}). On a non-Intel host,
     * when they differ and a sequence took a flag the host left undefined into a register or
     * memory ({@link NonIntelHost.Allowance#undefinedReadAt}), what follows that instruction
     * depends on the host's choice: the sequence is then run again on both sides up to that
     * instruction, and that part is compared instead (with every rule of {@link Differ}).
     */
    static Checked compareOnThisHost(NativeOracle oracle, EmulatorRunner emu, DiffCase c, Outcome host, Outcome mine) {
        Differ.Verdict v = Differ.check(c, host, mine);
        long at = v.allowance().undefinedReadAt();
        if (v.diff() == null || at < 0) return new Checked(c, host, mine, v, false);
        DiffCase p = c.prefix((int) (at - c.codeAddr));
        Outcome h = oracle.submit(List.of(p)).join()[0], m = emu.run(p);
        return new Checked(p, h, m, Differ.check(p, h, m), true);
    }

    /**
     * For a sequence: reruns its prefixes and names the first instruction after which host and
     * emulator disagree (so the report points at one instruction, not twenty).
     */
    private String firstDiverging(NativeOracle oracle, EmulatorRunner emu, DiffCase c) {
        if (reports.size() >= MAX_REPORTS) return "(sequence)";
        List<DiffCase> prefixes = new ArrayList<>();
        List<Integer> entryIndex = new ArrayList<>();
        int entry = 0;
        for (int k = 0; k < c.starts.size(); k++) {
            int start = c.starts.get(k);
            if (c.helpers.contains(start)) continue;
            int end = k + 1 < c.starts.size() ? c.starts.get(k + 1) : c.code.length;
            DiffCase p = c.prefix(end);
            prefixes.add(p);
            entryIndex.add(entry);
            entry++;
        }
        Outcome[] theirs = oracle.submit(prefixes).join();
        for (int k = 0; k < prefixes.size(); k++) {
            if (Differ.compare(prefixes.get(k), theirs[k], emu.run(prefixes.get(k))) != null) {
                return "after " + (k + 1) + " of " + prefixes.size() + ": " + c.entries.get(entryIndex.get(k)).name();
            }
        }
        return "(only the whole sequence differs)";
    }

    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %d cases in %.1f s (%.0f cases/s), host faults %d %s, mismatches %d, known SSE mismatches %d%n",
                sequence ? "instruction sequences" : "single instructions", cases, nanos / 1e9, cases / (nanos / 1e9),
                hostFaults, faultsByVector, mismatches, knownMismatches));
        b.append(String.format(Locale.ROOT, "  time: generate %.1f s, emulate %.1f s, wait for the host %.1f s, compare %.1f s%n",
                genNanos / 1e9, emuNanos / 1e9, waitNanos / 1e9, checkNanos / 1e9));
        b.append("  instructions per family: ").append(casesPerFamily).append('\n');
        if (!mismatchesByEntry.isEmpty()) b.append("  mismatches by form: ").append(mismatchesByEntry).append('\n');
        if (!knownByEntry.isEmpty()) b.append("  known SSE mismatches by form: ").append(knownByEntry).append('\n');
        if (!allowedByKind.isEmpty() || cutSequences > 0) {
            long allowed = allowedByKind.values().stream().mapToLong(Long::longValue).sum();
            b.append(String.format(Locale.ROOT, "  host is not Intel: %d of %d cases agree bit for bit; %d were compared without"
                    + " what the host may choose (%s)%s%n", cases - allowed, cases, allowed, allowedByKind,
                    cutSequences == 0 ? "" : ", " + cutSequences + " of them compared only up to a read of an undefined flag or result"));
        }
        return b.toString();
    }
}
