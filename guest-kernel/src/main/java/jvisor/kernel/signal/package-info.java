/** Signal dispositions and the signals that end a process, from faults and from kill. */
package jvisor.kernel.signal;
