/**
 * Terminals as job control sees them (Linux's drivers/tty/tty_jobctrl.c): which session a terminal
 * controls and its foreground process group, the ioctls that read and change them, and the
 * checks that stop a background process that reads from (SIGTTIN) or writes to (SIGTTOU under
 * TOSTOP) its controlling terminal. The terminals' data goes through the host (the host's
 * terminal, or a pseudoterminal pair jvisor opened on the host's /dev/ptmx); their job control
 * state lives here, in terms of the sandbox's processes.
 */
package jvisor.kernel.tty;
