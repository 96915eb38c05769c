namespace Messaging.Client.Tests.TestSupport;

/// <summary>Fresh user ids, so tests sharing one server never see each other's conversations.</summary>
internal static class Users
{
    public static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
