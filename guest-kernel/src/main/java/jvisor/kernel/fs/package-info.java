/** Open files, the descriptor table, and path resolution confined to the sandbox root. */
package jvisor.kernel.fs;
