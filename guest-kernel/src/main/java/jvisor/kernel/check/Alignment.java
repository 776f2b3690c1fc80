package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lines up two event sequences of a task by their keys (the syscall name, the signal) with the
 * shortest edit script (Myers, "An O(ND) Difference Algorithm and Its Variations", 1986): pairs
 * of events at the same place, and the runs of events only one side has. Past {@link #MAX_EDITS}
 * edits the rest after the common prefix and suffix is one unmatched block.
 */
final class Alignment {
    private Alignment() {}

    static final int MAX_EDITS = 1500;

    /** A stretch of the edit script: {@code count} matched pairs, or native-only and jvisor-only events. */
    record Step(int nativeStart, int nativeCount, int jvisorStart, int jvisorCount, boolean matched) {
    }

    static List<Step> align(List<String> nat, List<String> jv) {
        Map<String, Integer> ids = new HashMap<>();
        int[] a = new int[nat.size()], b = new int[jv.size()];
        for (int i = 0; i < a.length; i++) a[i] = ids.computeIfAbsent(nat.get(i), k -> ids.size());
        for (int i = 0; i < b.length; i++) b[i] = ids.computeIfAbsent(jv.get(i), k -> ids.size());
        boolean[] matchA = new boolean[a.length];
        int[] pairB = new int[a.length];
        if (!myers(a, b, matchA, pairB)) {
            Arrays.fill(matchA, false);
            int p = 0;
            while (p < a.length && p < b.length && a[p] == b[p]) {
                matchA[p] = true;
                pairB[p] = p;
                p++;
            }
            int s = 0;
            while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] == b[b.length - 1 - s]) {
                matchA[a.length - 1 - s] = true;
                pairB[a.length - 1 - s] = b.length - 1 - s;
                s++;
            }
        }
        return steps(a.length, b.length, matchA, pairB);
    }

    private static List<Step> steps(int n, int m, boolean[] matchA, int[] pairB) {
        List<Step> out = new ArrayList<>();
        int i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && matchA[i] && pairB[i] == j) {
                int si = i, sj = j;
                while (i < n && matchA[i] && pairB[i] == j) {
                    i++;
                    j++;
                }
                out.add(new Step(si, i - si, sj, j - sj, true));
            } else {
                int si = i, sj = j;
                while (i < n && !matchA[i]) i++;
                int nextJ = i < n ? pairB[i] : m;
                j = Math.max(j, nextJ);
                out.add(new Step(si, i - si, sj, j - sj, false));
            }
        }
        return out;
    }

    /** Fills matchA/pairB with an LCS; false if more than MAX_EDITS edits would be needed. */
    private static boolean myers(int[] a, int[] b, boolean[] matchA, int[] pairB) {
        int n = a.length, m = b.length, max = Math.min(n + m, MAX_EDITS);
        int off = max + 1;
        int[] v = new int[2 * max + 3];
        List<int[]> trace = new ArrayList<>();
        for (int d = 0; d <= max; d++) {
            // Round d reads v at k-1 and k+1 for |k| <= d: keep that window of the previous round.
            trace.add(Arrays.copyOfRange(v, off - d - 1, off + d + 2));
            for (int k = -d; k <= d; k += 2) {
                int x;
                if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) x = v[off + k + 1];
                else x = v[off + k - 1] + 1;
                int y = x - k;
                while (x < n && y < m && a[x] == b[y]) {
                    x++;
                    y++;
                }
                v[off + k] = x;
                if (x >= n && y >= m) {
                    backtrack(trace, a, b, d, matchA, pairB);
                    return true;
                }
            }
        }
        return false;
    }

    private static void backtrack(List<int[]> trace, int[] a, int[] b, int dEnd, boolean[] matchA, int[] pairB) {
        int x = a.length, y = b.length;
        for (int d = dEnd; d >= 0; d--) {
            int[] w = trace.get(d);
            int base = d + 1; // w[base + k] is v[k] before round d
            int k = x - y;
            int prevK;
            if (d == 0) prevK = 0;
            else if (k == -d || (k != d && w[base + k - 1] < w[base + k + 1])) prevK = k + 1;
            else prevK = k - 1;
            int prevX = d == 0 ? 0 : w[base + prevK];
            int prevY = prevX - prevK;
            while (x > prevX && y > prevY) {
                x--;
                y--;
                matchA[x] = true;
                pairB[x] = y;
            }
            if (d > 0) {
                x = prevX;
                y = prevY;
            }
        }
    }
}
