"""Execute a parsed mumax3 script: Go's statements and expressions over the built-in
identifiers of :mod:`jaxmag.mx3._builtins` (case-insensitive, as in mumax3).

An expression assigned to a parameter that depends on the time ``t`` is kept as a
function of ``t`` and evaluated inside the solve (traced by JAX), as mumax3 re-evaluates
it at every step.
"""

import math
import operator
from pathlib import Path

from lark import Token, Tree

from jaxmag.mx3._builtins import UNSUPPORTED, Expectation, Func, Lazy, Var, build_namespace
from jaxmag.mx3._configs import CONFIG_METHODS, Config
from jaxmag.mx3._custom import MASK_METHODS, Custom, Mask
from jaxmag.mx3._objects import (
    MAGNETISATION_METHODS,
    REGIONS_METHODS,
    SLICE_METHODS,
    Duration,
    Magnetisation,
    Regions,
    Slice,
)
from jaxmag.mx3._params import PARAM_METHODS, Param
from jaxmag.mx3._parse import Mx3Error
from jaxmag.mx3._quantities import BOUND_METHODS, HOSTCOPY_METHODS, Bound, HostCopy, custom_bound
from jaxmag.mx3._shapes import SHAPE_METHODS, Shape
from jaxmag.mx3._values import VECTOR_METHODS, Mx3TypeError, Vector, as_bool, as_float, type_name

METHODS = [
    (Magnetisation, MAGNETISATION_METHODS + BOUND_METHODS),
    (Regions, REGIONS_METHODS + BOUND_METHODS),
    (Bound, BOUND_METHODS),
    (Param, PARAM_METHODS),
    (Shape, SHAPE_METHODS),
    (Config, CONFIG_METHODS),
    (Vector, VECTOR_METHODS),
    (Mask, MASK_METHODS),
    (HostCopy, HOSTCOPY_METHODS),
    (Duration, ("milliseconds",)),
    (Slice, SLICE_METHODS),
]

_BINOPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
}
_CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}  # fmt: skip


class _Exit(Exception):
    pass


class Interpreter:
    """Runs one script against a world and its outputs."""

    def __init__(self, world, out, file, log=print, progress=False):
        self.world, self.out, self.file = world, out, Path(file) if file else None
        self.log = log
        self.progress = progress
        self.ns = build_namespace(world, out, self)
        self.scopes: list[dict] = [{}]  # Go's block scopes; := declares in the innermost
        self._time = None  # a traced time while evaluating a time-dependent expression

    # --- helpers for built-ins --------------------------------------------------------
    def path(self, p: str) -> Path:
        q = Path(p)
        if not q.is_absolute() and self.file is not None:
            q = self.file.parent / q
        return q

    def exit(self):
        raise _Exit()

    # --- statements --------------------------------------------------------------------
    def run(self, tree: Tree):
        self.check(tree)
        try:
            self.exec_block(tree.children)
        except _Exit:
            pass

    def exec_block(self, stmts):
        for s in stmts:
            if s is None or isinstance(s, Token):
                continue
            self.exec_stmt(s)

    def error(self, node, msg):
        line = getattr(getattr(node, "meta", None), "line", None)
        return Mx3Error(msg, file=self.file, line=line)

    def exec_stmt(self, s: Tree):
        try:
            getattr(self, "s_" + s.data)(s)
        except (Mx3Error, _Exit):
            raise
        except Expectation as e:
            raise self.error(s, f"expectation failed: {e}") from None
        except (Mx3TypeError, ValueError, TypeError, ZeroDivisionError, KeyError) as e:
            raise self.error(s, str(e)) from e

    def s_expr_stmt(self, s):
        v = self.eval(s.children[0])
        if isinstance(v, Func):
            raise self.error(s, f"{v.name} is a function: call it with ()")

    def _scope_of(self, name):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope
        return None

    def s_block(self, s):
        self.scopes.append({})
        try:
            self.exec_block(s.children)
        finally:
            self.scopes.pop()

    def s_define(self, s):
        name = str(s.children[0]).lower()
        v = self.eval(s.children[1])
        if isinstance(v, Bound) and v.ncomp == 0:
            v = v.scalar_value()  # x := E_total takes the value now, as in mumax3
        self.scopes[-1][name] = v  # may shadow a built-in name, as in Go

    def s_assign(self, s):
        target, expr = s.children
        self.assign(target, expr, s)

    def assign(self, target, expr, s, value=None):
        if target.data != "name":
            obj = self.eval(target)
            raise self.error(s, f"cannot assign to {type_name(obj)}")
        name = str(target.children[0]).lower()
        scope = self._scope_of(name)
        if scope is not None:
            scope[name] = self.eval(expr) if value is None else value
            return
        entry = self.ns.get(name)
        if entry is None:
            raise self.error(s, f"undefined: {target.children[0]}")
        if isinstance(entry, Param):
            if value is None and _uses_time(expr):
                v0 = self.eval(expr)
                entry.assign(v0, fn=self.time_function(expr))
            else:
                entry.assign(self.eval(expr) if value is None else value)
        elif isinstance(entry, Magnetisation):
            entry.set(self.eval(expr) if value is None else value)
        elif isinstance(entry, Var) and entry.set is not None:
            entry.set(self.eval(expr) if value is None else value)
        else:
            raise self.error(s, f"cannot assign to {target.children[0]}: it is read-only")

    def time_function(self, expr):
        """``t -> value`` of `expr`, with the script's variables as they are now (a later
        change of a loop variable does not change the function, as in mumax3)."""
        frozen = [{k: v for sc in self.scopes for k, v in sc.items()}]

        def fn(t):
            old = self._time, self.scopes
            self._time, self.scopes = t, frozen
            try:
                return self.eval(expr)
            finally:
                self._time, self.scopes = old

        return fn

    def s_opassign(self, s):
        target, op, expr = s.children
        cur = self.eval(target)
        rhs = self.eval(expr)
        fn = {"+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": _div}[str(op)]
        self.assign(target, None, s, value=fn(as_float(cur), as_float(rhs)))

    def s_incdec(self, s):
        target, op = s.children
        cur = as_float(self.eval(target))
        self.assign(target, None, s, value=cur + (1 if str(op) == "++" else -1))

    def s_if_stmt(self, s):
        cond, block, *rest = s.children
        if as_bool(self.eval(cond), "if condition"):
            self.s_block(block)
        elif rest and rest[0] is not None:
            self.exec_stmt(rest[0])

    def s_for_ever(self, s):
        raise self.error(s, "an endless for loop (jaxmag has no break)")

    def s_for_cond(self, s):
        cond, block = s.children
        while as_bool(self.eval(cond), "for condition"):
            self.s_block(block)

    def s_for_clause(self, s):
        init, cond, post, block = s.children
        self.scopes.append({})  # the loop variable's scope
        try:
            if init is not None:
                self.exec_stmt(init)
            while cond is None or as_bool(self.eval(cond), "for condition"):
                self.s_block(block)
                if post is not None:
                    self.exec_stmt(post)
        finally:
            self.scopes.pop()

    # --- expressions -------------------------------------------------------------------
    def eval(self, e):
        return getattr(self, "e_" + e.data)(e)

    def e_number(self, e):
        return float(str(e.children[0]))

    def e_string(self, e):
        return bytes(str(e.children[0])[1:-1], "utf-8").decode("unicode_escape")

    def e_rawstring(self, e):
        return str(e.children[0])[1:-1]

    def e_name(self, e):
        name = str(e.children[0]).lower()
        if name == "t" and self._time is not None:
            return self._time
        scope = self._scope_of(name)
        if scope is not None:
            return scope[name]
        if name in self.ns:
            v = self.ns[name]
            return v.get() if isinstance(v, Var) else v
        raise self.error(e, _unknown(str(e.children[0])))

    def e_attr(self, e):
        obj = self.eval(e.children[0])
        if isinstance(obj, Custom):
            obj = custom_bound(obj, self.world)
        name = str(e.children[1]).lower()
        for cls, methods in METHODS:
            if isinstance(obj, cls):
                if name in methods:
                    return getattr(obj, name)
                break
        raise self.error(e, f"{type_name(obj)} has no method {e.children[1]}")

    def e_call(self, e):
        fn = self.eval(e.children[0])
        nodes = [] if e.children[1] is None else e.children[1].children
        if isinstance(fn, Lazy):  # gets its arguments unevaluated (RunWhile's condition)
            return fn(self, nodes)
        owner = getattr(fn, "__self__", None)
        if isinstance(owner, Param) and fn.__name__ == "add" and len(nodes) == 2:
            # B_ext.Add(mask, f(t)): a multiplier that uses t is a function of time
            mul = nodes[1]
            if _uses_time(mul):
                return owner.add(self.eval(nodes[0]), self.eval(mul), fn=self.time_function(mul))
        args = [self.eval(a) for a in nodes]
        if not callable(fn) or isinstance(fn, type):
            raise self.error(e, f"{type_name(fn)} is not a function")
        return fn(*args)

    def e_index(self, e):
        obj = self.eval(e.children[0])
        i = as_float(self.eval(e.children[1]))
        if isinstance(obj, Bound):
            obj = obj.vector_value()
        if not isinstance(obj, Vector):
            raise self.error(e, f"cannot index {type_name(obj)}")
        return obj[int(i)]

    def _arith(self, e, op):
        a, b = (self.eval(c) for c in e.children)
        if isinstance(a, str) and isinstance(b, str) and op is operator.add:
            return a + b
        if isinstance(a, Vector) or isinstance(b, Vector):
            if (
                isinstance(a, Vector)
                and isinstance(b, Vector)
                and op in (operator.add, operator.sub)
            ):
                return Vector(*(op(x, y) for x, y in zip(a, b, strict=True)))
            if op in (operator.mul, operator.truediv) and isinstance(a, Vector):
                return Vector(*(op(x, as_float(b)) for x in a))
            if op is operator.mul and isinstance(b, Vector):
                return Vector(*(as_float(a) * y for y in b))
            raise self.error(e, f"invalid operation on {type_name(a)} and {type_name(b)}")
        return op(as_float(a), as_float(b))

    def e_add(self, e):
        return self._arith(e, operator.add)

    def e_sub(self, e):
        return self._arith(e, operator.sub)

    def e_mul(self, e):
        return self._arith(e, operator.mul)

    def e_div(self, e):
        return self._arith(e, _div)

    def e_mod(self, e):
        a, b = (as_float(self.eval(c)) for c in e.children)
        return math.fmod(a, b)

    def e_neg(self, e):
        v = self.eval(e.children[0])
        return Vector(*(-x for x in v)) if isinstance(v, Vector) else -as_float(v)

    def e_pos(self, e):
        return self.eval(e.children[0])

    def e_not_(self, e):
        return not as_bool(self.eval(e.children[0]), "!")

    def e_and_(self, e):
        return as_bool(self.eval(e.children[0]), "&&") and as_bool(self.eval(e.children[1]), "&&")

    def e_or_(self, e):
        return as_bool(self.eval(e.children[0]), "||") or as_bool(self.eval(e.children[1]), "||")

    def e_compare(self, e):
        a, op, b = e.children
        x, y = self.eval(a), self.eval(b)
        if isinstance(x, str | bool) or isinstance(y, str | bool):
            return _CMP[str(op)](x, y)
        return _CMP[str(op)](as_float(x), as_float(y))

    # --- the check before running ----------------------------------------------------
    def check(self, tree: Tree):
        """Refuse unknown identifiers, wrong argument counts of built-in functions and
        assignments to read-only names, with their lines, before anything runs."""
        defined = set()
        for node in tree.iter_subtrees_topdown():
            if node.data == "define":
                defined.add(str(node.children[0]).lower())
        for node in tree.iter_subtrees_topdown():
            if node.data == "name":
                name = str(node.children[0]).lower()
                if name not in self.ns and name not in defined:
                    raise self.error(node, _unknown(str(node.children[0])))
            elif node.data == "call" and node.children[0].data == "name":
                name = str(node.children[0].children[0]).lower()
                f = self.ns.get(name)
                n = 0 if node.children[1] is None else len(node.children[1].children)
                if (
                    isinstance(f, Func)
                    and f.nargs is not None
                    and n != f.nargs
                    and name not in defined
                ):
                    raise self.error(node, f"{f.name}: expected {f.nargs} arguments, got {n}")
            elif node.data in ("assign", "opassign", "incdec"):
                target = node.children[0]
                if target.data == "name":
                    name = str(target.children[0]).lower()
                    entry = self.ns.get(name)
                    if name in defined or entry is None:
                        continue
                    if not (isinstance(entry, Param | Magnetisation)
                            or (isinstance(entry, Var) and entry.set is not None)):  # fmt: skip
                        raise self.error(
                            node, f"cannot assign to {target.children[0]}: it is read-only"
                        )


def _div(a, b):
    if isinstance(a, float) and isinstance(b, float) and b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _uses_time(tree) -> bool:
    for node in tree.iter_subtrees():
        if node.data == "name" and str(node.children[0]).lower() == "t":
            return True
    return False


def _unknown(name: str) -> str:
    why = UNSUPPORTED.get(name.lower())
    if why:
        return f"{name}: not supported by jaxmag ({why})"
    return f"undefined: {name}"
