/** Processes, tasks, their limits and ids, the generated /proc/self, and starting a program. */
package jvisor.kernel.proc;
