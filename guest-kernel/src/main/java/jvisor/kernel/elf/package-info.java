/** ELF64 parsing and validation, loading into an address space, and the initial process stack. */
package jvisor.kernel.elf;
