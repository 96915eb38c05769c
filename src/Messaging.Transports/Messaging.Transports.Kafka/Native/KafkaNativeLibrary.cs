using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Messaging.Transports.Kafka;

/// <summary>
/// Loads librdkafka, the native library under Confluent.Kafka, once per process before the first Kafka client exists.
/// </summary>
/// <remarks>
/// <para>
/// librdkafka.redist ships several Linux builds. Confluent.Kafka picks <c>librdkafka.so</c> on every distribution but
/// CentOS/RHEL, and that build links <c>libsasl2.so.3</c>, which Debian 12 does not have, so it fails to load there;
/// the <c>centos8-librdkafka.so</c> build of the same package does load. So on Linux the default build is tried first
/// and the CentOS 8 build second, each through Confluent.Kafka's <see cref="Library.Load(string)"/>; when neither
/// loads, <see cref="EnsureLoaded"/> throws an error that names both paths and why each failed, when the transport is
/// created (at host start), not on the first publish. Elsewhere (Windows, macOS) Confluent.Kafka's own probing is
/// used unchanged.
/// </para>
/// <para>
/// Two names need help on such a system, so before loading, Confluent.Kafka's assembly gets an import resolver (a
/// host that set its own resolver on that assembly keeps it): Confluent.Kafka opens a build by P/Invoking
/// <c>dlopen</c> from <c>libdl</c>, a name only the C library's development symlink (<c>libdl.so</c>, absent without
/// <c>libc6-dev</c>) provides, so <c>libdl</c> maps to the runtime library <c>libdl.so.2</c>; and after opening a
/// build by path it binds its functions through the import name <c>librdkafka</c>, which the runtime would resolve
/// to the default build again, so <c>librdkafka</c> maps to the build being loaded. Any other name resolves as usual.
/// </para>
/// </remarks>
internal static class KafkaNativeLibrary
{
    /// <summary>The default Linux build of librdkafka.redist.</summary>
    public const string DefaultFileName = "librdkafka.so";

    /// <summary>The CentOS 8 build of librdkafka.redist, which loads on systems without <c>libsasl2.so.3</c>.</summary>
    public const string FallbackFileName = "centos8-librdkafka.so";

    private static readonly Lock Gate = new();
    private static bool s_done;
    private static volatile string? s_loading;
    private static string? s_path;

    /// <summary>Loads librdkafka unless it is loaded already.</summary>
    /// <returns>
    /// The path of the build this class loaded, or <see langword="null"/> when it did not load one (not Linux, or the
    /// host loaded librdkafka itself before).
    /// </returns>
    /// <exception cref="MessagingBackendException">Neither build loads.</exception>
    public static string? EnsureLoaded()
    {
        lock (Gate)
        {
            if (!s_done)
            {
                if (OperatingSystem.IsLinux() && !Library.IsLoaded)
                {
                    ResolveImports();
                    s_path = Load(Candidates(AppContext.BaseDirectory), static path =>
                    {
                        s_loading = path;
                        Library.Load(path);
                    });
                }

                s_done = true;
            }

            return s_path;
        }
    }

    /// <summary>The default and the fallback build under an application directory, in the order they are tried.</summary>
    /// <param name="baseDirectory">The application's directory.</param>
    /// <returns>The two paths.</returns>
    internal static string[] Candidates(string baseDirectory)
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var native = Path.Combine(baseDirectory, "runtimes", rid, "native");
        return [Locate(native, baseDirectory, DefaultFileName), Locate(native, baseDirectory, FallbackFileName)];
    }

    /// <summary>Loads the first candidate that loads.</summary>
    /// <param name="candidates">The paths, in order.</param>
    /// <param name="load">Loads one path, throwing when it does not load.</param>
    /// <returns>The path that loaded.</returns>
    /// <exception cref="MessagingBackendException">No candidate loads; the message names each path and its failure.</exception>
    internal static string Load(IReadOnlyList<string> candidates, Action<string> load)
    {
        var failures = new List<Exception>();
        foreach (var path in candidates)
        {
            try
            {
                load(path);
                return path;
            }
            catch (Exception exception) when (exception is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or InvalidOperationException or IOException)
            {
                failures.Add(exception);
            }
        }

        var reasons = string.Join("; ", candidates.Zip(failures, (path, failure) => $"'{path}': {failure.Message}"));
        throw new MessagingBackendException(
            $"The native Kafka library (librdkafka) could not be loaded from any of {string.Join(", ", candidates.Select(c => $"'{c}'"))}: {reasons}. "
            + "Install its dependencies (the default build needs libsasl2.so.3) or ship a build that loads on this system.",
            new AggregateException(failures));
    }

    private static void ResolveImports()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, static (name, _, _) => name switch
            {
                "libdl" when NativeLibrary.TryLoad("libdl.so.2", out var libdl) => libdl,
                "librdkafka" when s_loading is { } path && NativeLibrary.TryLoad(path, out var librdkafka) => librdkafka,
                _ => 0,
            });
        }
        catch (InvalidOperationException)
        {
            // The host set a resolver on Confluent.Kafka already: it decides.
        }
    }

    // A published app may carry the native files next to it instead of under runtimes/.
    private static string Locate(string nativeDirectory, string baseDirectory, string fileName)
    {
        var underRuntimes = Path.Combine(nativeDirectory, fileName);
        var beside = Path.Combine(baseDirectory, fileName);
        return !File.Exists(underRuntimes) && File.Exists(beside) ? beside : underRuntimes;
    }
}
