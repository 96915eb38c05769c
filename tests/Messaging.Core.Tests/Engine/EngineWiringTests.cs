using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// The shape of the engine's wiring (docs/architecture.md, "Engine parts"): each part receives only the roles it uses,
/// no part hands another a delegate to call back, and the parts' constructor dependencies form no cycle.
/// </summary>
public sealed class EngineWiringTests
{
    private static readonly Assembly Core = typeof(MessagingEngine).Assembly;

    // The engine's background loops are handed their bodies by the composition root; the loop is driven by the clock,
    // and no part calls into it.
    private static readonly HashSet<Type> DelegateDrivers = [typeof(PeriodicLoop)];

    private static readonly OpCode[] OneByte = OpCodeTable(twoByte: false);

    private static readonly OpCode[] TwoByte = OpCodeTable(twoByte: true);

    [Fact]
    public void The_shared_engine_context_holds_no_role()
    {
        var roles = typeof(EngineContext)
            .GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(p => p.PropertyType.IsInterface && p.PropertyType.Assembly == Core)
            .Select(p => $"{p.Name}: {p.PropertyType.Name}")
            .ToList();

        Assert.True(roles.Count == 0, "EngineContext hands every part these roles: " + string.Join(", ", roles));
    }

    [Fact]
    public void Only_the_composition_root_receives_the_whole_role_set()
    {
        var roleSet = Core.GetType("Messaging.EngineRoles");
        Assert.NotNull(roleSet);

        var takers = Constructors(InternalClasses())
            .Where(c => c.DeclaringType != typeof(MessagingEngine) && c.GetParameters().Any(p => p.ParameterType == roleSet))
            .Select(c => c.DeclaringType!.Name)
            .ToList();

        Assert.True(takers.Count == 0, "These parts receive every role: " + string.Join(", ", takers));
        Assert.Contains(Constructors([typeof(MessagingEngine)]), c => c.GetParameters().Any(p => p.ParameterType == roleSet));
    }

    [Fact]
    public void No_engine_part_is_handed_a_delegate_to_call_back()
    {
        var callbacks = Constructors(InternalClasses().Where(t => !DelegateDrivers.Contains(t)))
            .SelectMany(c => c.GetParameters()
                .Where(p => typeof(Delegate).IsAssignableFrom(p.ParameterType))
                .Select(p => $"{c.DeclaringType!.Name}({p.ParameterType.Name} {p.Name})"))
            .ToList();

        Assert.True(callbacks.Count == 0, "Constructors that take a callback: " + string.Join(", ", callbacks));
    }

    [Fact]
    public void The_constructor_dependencies_of_the_engine_parts_have_no_cycle()
    {
        var parts = InternalClasses().Append(typeof(MessagingEngine)).ToHashSet();
        var edges = parts.ToDictionary(t => t, t => Dependencies(t, parts).ToList());

        var cycle = FindCycle(edges);

        Assert.True(cycle is null, "The engine parts depend on each other in a cycle: " + string.Join(" -> ", cycle?.Select(t => t.Name) ?? []));
        // The graph is not empty: the engine's parts are found and linked.
        Assert.Contains(typeof(NodePublisher), edges[typeof(SendPipeline)].SelectMany(d => edges[d]).Concat(edges[typeof(SendPipeline)]));
    }

    [Fact]
    public void Core_type_tests_no_concrete_adapter_of_a_role()
    {
        var roles = typeof(EngineRoles).GetProperties().Select(p => p.PropertyType).ToList();
        var adapters = Core.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && roles.Any(r => r.IsAssignableFrom(t))).ToHashSet();
        Assert.Contains(typeof(LoggingPushNotifier), adapters);

        var tests = Core.GetTypes()
            .Where(t => !adapters.Contains(Outermost(t)))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Cast<MethodBase>()
                .Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)))
            .SelectMany(m => TypeTests(m).Where(adapters.Contains).Select(a => $"{m.DeclaringType!.FullName}.{m.Name} tests for {a.Name}"))
            .ToList();

        Assert.True(tests.Count == 0, "Core tests for concrete adapters: " + string.Join("; ", tests));
    }

    private static IEnumerable<Type> InternalClasses()
        => Core.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsNested: false, IsPublic: false }
            && t.Namespace == "Messaging"
            && t.GetCustomAttribute<CompilerGeneratedAttribute>() is null);

    private static IEnumerable<ConstructorInfo> Constructors(IEnumerable<Type> types)
        => types.SelectMany(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance));

    // A part depends on the parts its constructors take, and on every part that implements an internal interface they take.
    private static IEnumerable<Type> Dependencies(Type part, HashSet<Type> parts)
        => Constructors([part])
            .SelectMany(c => c.GetParameters())
            .Select(p => p.ParameterType)
            .SelectMany(t => t.IsInterface && !t.IsPublic ? parts.Where(t.IsAssignableFrom) : new[] { t })
            .Where(t => t != part && parts.Contains(t))
            .Distinct();

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    // The types a method body tests or casts to (isinst, castclass, unbox.any), read from its IL.
    private static IEnumerable<Type> TypeTests(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var found = new List<Type>();
        var position = 0;
        while (position < il.Length)
        {
            var code = il[position] == 0xFE ? TwoByte[il[position + 1]] : OneByte[il[position]];
            position += code.Size;
            if (code == OpCodes.Isinst || code == OpCodes.Castclass || code == OpCodes.Unbox_Any)
            {
                var token = BitConverter.ToInt32(il, position);
                var genericArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
                var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
                found.Add(method.Module.ResolveType(token, typeArguments, genericArguments));
            }

            position += code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
                _ => 4,
            };
        }

        return found;
    }

    private static OpCode[] OpCodeTable(bool twoByte)
    {
        var table = new OpCode[256];
        foreach (var code in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!))
        {
            if ((code.Size == 2) == twoByte)
            {
                table[(ushort)code.Value & 0xFF] = code;
            }
        }

        return table;
    }

    private static List<Type>? FindCycle(Dictionary<Type, List<Type>> edges)
    {
        var done = new HashSet<Type>();
        var path = new List<Type>();

        List<Type>? Visit(Type part)
        {
            if (path.Contains(part))
            {
                return [.. path.SkipWhile(t => t != part), part];
            }

            if (!done.Add(part))
            {
                return null;
            }

            path.Add(part);
            foreach (var dependency in edges[part])
            {
                if (Visit(dependency) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        return edges.Keys.Select(Visit).FirstOrDefault(c => c is not null);
    }
}
