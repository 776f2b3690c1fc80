package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.List;

/**
 * strace prints clone(2) with named arguments in an order of its own
 * ({@code clone(child_stack=NULL, flags=0x1200011, child_tidptr=0x...)}) and leaves out the ones
 * the flags make unused; jvisor's record has the registers in order (x86-64: flags, stack,
 * parent_tid, child_tid, tls). This puts strace's named arguments back in register order, with
 * an empty {@link Value.Other} where strace printed nothing.
 */
final class CloneArgs {
    private CloneArgs() {}

    private static final List<String> CLONE = List.of("flags", "child_stack", "parent_tid", "child_tidptr", "tls");

    static List<Value> inRegisterOrder(String syscall, List<StraceValues.Item> items, List<Value> args) {
        if (!syscall.equals("clone") || items.isEmpty() || items.get(0).name() == null) return args;
        List<Value> out = new ArrayList<>();
        for (String reg : CLONE) {
            Value v = new Value.Other("");
            for (StraceValues.Item it : items) {
                if (reg.equals(it.name()) || (reg.equals("parent_tid") && "parent_tidptr".equals(it.name()))) {
                    v = it.value();
                }
            }
            out.add(v);
        }
        return out;
    }
}
