using System.Runtime.InteropServices;
using Messaging.Transports.Kafka;

namespace Messaging.Kafka.Tests.Native;

// The loader's order and failure report, with real dlopen calls: the candidates are the package's real builds (by
// symbolic link) or files that are no shared library at all.
public sealed class KafkaNativeLibraryTests : IDisposable
{
    private static readonly string RealFallback = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", KafkaNativeLibrary.FallbackFileName);
    private static readonly string RealDefault = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", KafkaNativeLibrary.DefaultFileName);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("messaging-librdkafka-");

    [Fact]
    public void The_fallback_build_loads_when_the_default_does_not()
    {
        var candidates = Candidates(defaultTarget: null, fallbackTarget: RealFallback);

        Assert.Equal(candidates[1], KafkaNativeLibrary.Load(candidates, LoadAndFree));
    }

    [Fact]
    public void The_default_build_is_used_when_it_loads()
    {
        var candidates = Candidates(defaultTarget: RealFallback, fallbackTarget: null);

        Assert.Equal(candidates[0], KafkaNativeLibrary.Load(candidates, LoadAndFree));
    }

    [Fact]
    public void When_neither_build_loads_the_error_names_both_paths()
    {
        var candidates = Candidates(defaultTarget: null, fallbackTarget: null);

        var error = Assert.Throws<MessagingBackendException>(() => KafkaNativeLibrary.Load(candidates, LoadAndFree));
        Assert.Contains(candidates[0], error.Message, StringComparison.Ordinal);
        Assert.Contains(candidates[1], error.Message, StringComparison.Ordinal);
        Assert.Equal(2, Assert.IsType<AggregateException>(error.InnerException).InnerExceptions.Count);
    }

    [Fact]
    public void On_a_system_without_libsasl2_the_process_runs_on_the_CentOS_8_build()
    {
        if (NativeLibrary.TryLoad(RealDefault, out var loaded))
        {
            NativeLibrary.Free(loaded);
            Assert.Skip("The default librdkafka build loads on this system (libsasl2.so.3 is installed), so there is no fallback to observe.");
        }

        Assert.Equal([RealDefault, RealFallback], KafkaNativeLibrary.Candidates(AppContext.BaseDirectory));
        Assert.Equal(RealFallback, KafkaFixture.LibraryPath);
        Assert.True(Confluent.Kafka.Library.IsLoaded);
        Assert.Contains("2.16.0", Confluent.Kafka.Library.VersionString, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static void LoadAndFree(string path) => NativeLibrary.Free(NativeLibrary.Load(path));

    // Each candidate links to a real build, or is a text file that dlopen rejects.
    private string[] Candidates(string? defaultTarget, string? fallbackTarget)
    {
        return [Make(KafkaNativeLibrary.DefaultFileName, defaultTarget), Make(KafkaNativeLibrary.FallbackFileName, fallbackTarget)];

        string Make(string name, string? target)
        {
            var path = Path.Combine(_directory.FullName, name);
            if (target is null)
            {
                File.WriteAllText(path, "not a shared library");
            }
            else
            {
                File.CreateSymbolicLink(path, target);
            }

            return path;
        }
    }
}
