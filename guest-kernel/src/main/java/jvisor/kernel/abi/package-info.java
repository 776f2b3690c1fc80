/** The Linux x86-64 ABI as numbers and names: errno, flags, signals, auxv keys; one place for both. */
package jvisor.kernel.abi;
