/** A process's memory layout (brk, mmap and friends) and copies to and from guest memory. */
package jvisor.kernel.mm;
