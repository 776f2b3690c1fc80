/** --strace: strace's line format, string quoting and structure decoding. */
package jvisor.kernel.strace;
