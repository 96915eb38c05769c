using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using Messaging.Testing;

namespace Messaging.Docs.Tests;

/// <summary>
/// The README's <c>dotnet pack -c Release</c> in a clone, on the binaries of this build: every library under
/// <c>src/</c> (and the conformance kit) becomes one package holding its assembly, its XML documentation and its README,
/// and nothing else (what a dependency needs, native libraries included, comes with that dependency's own package),
/// next to a symbol package.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(3);

    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("messaging-pack-");

    [Fact]
    public async Task Packing_the_repository_makes_one_package_per_library_with_only_its_own_files()
    {
        // --no-build: the solution was built with this configuration before its tests ran (test.sh, an IDE).
        var configuration = typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        await ToolProcess.RunAsync(
            new ProcessStartInfo("dotnet", ["pack", Path.Combine(Repository.Root, "Messaging.sln"), "-c", configuration, "--no-build", "-nologo", "-nodeReuse:false", $"-p:PackageOutputPath={_output.FullName}"]),
            PackTimeout,
            TestContext.Current.CancellationToken);

        var version = Repository.PackageVersion;
        var libraries = Repository.Libraries();
        Assert.Equal(
            libraries.SelectMany(library => new[] { $"{library}.{version}.nupkg", $"{library}.{version}.snupkg" }).Order(StringComparer.Ordinal),
            _output.EnumerateFiles().Select(file => file.Name).Order(StringComparer.Ordinal));

        foreach (var library in libraries)
        {
            using var package = ZipFile.OpenRead(Path.Combine(_output.FullName, $"{library}.{version}.nupkg"));
            var files = package.Entries
                .Select(entry => entry.FullName)
                .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal) && !name.StartsWith("package/", StringComparison.Ordinal) && name != "[Content_Types].xml")
                .Order(StringComparer.Ordinal);
            Assert.Equal([$"{library}.nuspec", "README.md", $"lib/net10.0/{library}.dll", $"lib/net10.0/{library}.xml"], files);
        }
    }

    public void Dispose() => _output.Delete(recursive: true);
}
