using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Messaging.Docs.Tests;

/// <summary>
/// The code in the READMEs is the code compiled in <c>Snippets/</c>: every C# block must appear there verbatim, so
/// that a snippet that stops compiling fails the build and one that drifts from the compiled copy fails here.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    private static readonly string[] SnippetSources = Directory
        .EnumerateFiles(Path.Combine(Repository.Root, "tests", "Messaging.Docs.Tests", "Snippets"), "*.cs")
        .Select(File.ReadAllText)
        .ToArray();

    [Fact]
    public void Every_csharp_block_of_the_readmes_is_compiled_verbatim_in_the_snippets()
    {
        var checkedBlocks = 0;
        var missing = new List<string>();
        foreach (var readme in Repository.Readmes())
        {
            foreach (var (line, code) in MarkdownSnippets.Blocks(File.ReadAllText(readme), "csharp"))
            {
                checkedBlocks++;
                if (!SnippetSources.Any(source => MarkdownSnippets.IsCompiledIn(code, source)))
                {
                    missing.Add($"{Repository.Relative(readme)}:{line + 1}: {code.Split('\n')[0]}");
                }
            }
        }

        Assert.True(checkedBlocks >= 16, $"only {checkedBlocks} C# blocks found: is the README search broken?");
        Assert.True(missing.Count == 0, "C# blocks not found verbatim in tests/Messaging.Docs.Tests/Snippets:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void A_block_that_drifted_from_the_compiled_copy_is_not_found()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var server = MarkdownSnippets.Blocks(readme, "csharp")[0].Code;
        Assert.Contains(SnippetSources, source => MarkdownSnippets.IsCompiledIn(server, source));

        var drifted = server.Replace("app.UseAuthorization();", "app.UseAuthorization(); ", StringComparison.Ordinal);
        Assert.NotEqual(server, drifted);
        Assert.DoesNotContain(SnippetSources, source => MarkdownSnippets.IsCompiledIn(drifted, source));
        Assert.DoesNotContain(SnippetSources, source => MarkdownSnippets.IsCompiledIn("using Not.A.Namespace;\n" + server, source));
    }

    [Fact]
    public void Every_dotnet_add_package_command_names_a_version_the_repository_uses()
    {
        var pinned = XDocument.Load(Path.Combine(Repository.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var ours = Repository.PackageVersion;
        var packable = Repository.Libraries().ToHashSet(StringComparer.Ordinal);

        var commands = 0;
        var wrong = new List<string>();
        foreach (var readme in Repository.Readmes())
        {
            var text = File.ReadAllText(readme);
            foreach (Match command in AddPackage().Matches(text))
            {
                commands++;
                var (name, version) = (command.Groups["name"].Value, command.Groups["version"].Value);
                var expected = name.StartsWith("Messaging.", StringComparison.Ordinal)
                    ? packable.Contains(name) ? ours : null
                    : pinned.GetValueOrDefault(name);
                if (expected != version)
                {
                    wrong.Add($"{Repository.Relative(readme)}: `{command.Value}` (the repository has {expected ?? "no such package"})");
                }
            }

            Assert.DoesNotMatch(UnpinnedAddPackage(), text);
        }

        Assert.True(commands >= 4, $"only {commands} dotnet add package commands found");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [GeneratedRegex(@"dotnet add package (?<name>[A-Za-z0-9_.]+) --version (?<version>[0-9][A-Za-z0-9.\-]*)")]
    private static partial Regex AddPackage();

    [GeneratedRegex(@"dotnet add package [A-Za-z0-9_.]+(?! --version)[`\s]")]
    private static partial Regex UnpinnedAddPackage();
}
