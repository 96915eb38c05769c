using System.Xml.Linq;

namespace Messaging.Docs.Tests;

/// <summary>Files of the repository this test assembly was built from.</summary>
internal static class Repository
{
    /// <summary>The repository's root: the folder of <c>Messaging.sln</c> above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The READMEs a user reads: the repository's, each package's and each sample's.</summary>
    public static IEnumerable<string> Readmes()
    {
        yield return Path.Combine(Root, "README.md");
        foreach (var folder in new[] { "src", "samples" })
        {
            foreach (var readme in Directory.EnumerateFiles(Path.Combine(Root, folder), "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!readme.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !readme.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    yield return readme;
                }
            }
        }
    }

    /// <summary>The version of the repository's own packages (<c>Directory.Build.props</c>).</summary>
    public static string PackageVersion { get; } = (string)XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("Version").Single();

    /// <summary>
    /// The libraries the repository ships as packages, by name: the projects under <c>src/</c> (packable through its
    /// <c>Directory.Build.props</c>) and the conformance kit, which sits with the tests.
    /// </summary>
    public static IReadOnlyList<string> Libraries()
        => [.. Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Append(Path.Combine(Root, "tests", "Messaging.Conformance", "Messaging.Conformance.csproj"))
            .Select(path => Path.GetFileNameWithoutExtension(path))
            .Order(StringComparer.Ordinal)];

    /// <summary>A path relative to the root, with forward slashes, for messages.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Messaging.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Messaging.sln above {AppContext.BaseDirectory}.");
    }
}
