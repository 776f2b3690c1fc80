package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jvisor.cpu.CpuFault;
import jvisor.kernel.debug.Stop;
import jvisor.testbins.example.FindTheCrash;

/** The embedding API's example finds the planted crash: a NULL write in store(), after three writes. */
class EmbeddingApiTest {
    @Test
    @Timeout(120)
    void theExampleFindsTheNullWrite() throws Exception {
        Path bin = GuestRunner.binary("crash-glibc");
        Assumptions.assumeTrue(Files.isExecutable(bin), "crash-glibc was not built");
        FindTheCrash.Finding f = FindTheCrash.find(bin, System.out);
        assertEquals(Stop.Kind.FAULT, f.stop().kind());
        assertEquals(CpuFault.PF, f.vector());
        assertEquals(0, f.faultAddress(), "the write goes to NULL");
        assertEquals(6, f.errorCode() & 6, "a user-mode write");
        assertTrue(f.where().startsWith("store+"), f.where());
        assertEquals(0, f.rdi(), "store's pointer argument is NULL");
        assertEquals(16, f.rsi(), "the value stored is 4 squared");
        assertEquals(3, f.writes().size(), f.writes().toString());
        assertTrue(f.lastInstructions().get(f.lastInstructions().size() - 1).startsWith("store+"), f.lastInstructions().toString());
        if (f.instruction() != null) assertTrue(f.instruction().startsWith("mov"), f.instruction());
    }
}
