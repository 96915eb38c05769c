using System.Reflection;
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
