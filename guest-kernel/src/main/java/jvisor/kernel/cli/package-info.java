/** The jvisor command line: options, exit statuses, dying by the guest's signal. */
package jvisor.kernel.cli;
