using System.Text.RegularExpressions;

namespace Messaging.Docs.Tests;

/// <summary>Fenced code blocks of a Markdown file, and whether a C# block is part of the compiled snippet sources.</summary>
internal static partial class MarkdownSnippets
{
    /// <summary>The blocks fenced with <c>```</c> + <paramref name="language"/>, with the line each starts on.</summary>
    public static IReadOnlyList<(int Line, string Code)> Blocks(string markdown, string language)
    {
        var blocks = new List<(int, string)>();
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```" + language)
            {
                continue;
            }

            var start = i + 1;
            var end = start;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            blocks.Add((start, string.Join('\n', lines[start..end])));
            i = end;
        }

        return blocks;
    }

    /// <summary>
    /// Whether <paramref name="block"/> appears in <paramref name="source"/>: its leading <c>using</c> directives as
    /// lines of the file, the rest verbatim as consecutive lines, all indented alike (a snippet sits in a method body).
    /// </summary>
    public static bool IsCompiledIn(string block, string source)
    {
        var sourceLines = source.ReplaceLineEndings("\n").Split('\n');
        var lines = block.Split('\n').ToList();
        while (lines.Count > 0 && (UsingDirective().IsMatch(lines[0]) || lines[0].Length == 0))
        {
            if (lines[0].Length > 0 && !sourceLines.Contains(lines[0]))
            {
                return false;
            }

            lines.RemoveAt(0);
        }

        if (lines.Count == 0)
        {
            return true;
        }

        for (var start = 0; start + lines.Count <= sourceLines.Length; start++)
        {
            var first = sourceLines[start];
            if (!first.EndsWith(lines[0], StringComparison.Ordinal) || first[..^lines[0].Length].Trim().Length != 0)
            {
                continue;
            }

            var indent = first[..^lines[0].Length];
            if (lines.Select((line, k) => line.Length == 0 ? sourceLines[start + k].Length == 0 : sourceLines[start + k] == indent + line).All(same => same))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^using [A-Za-z0-9_.]+;$")]
    private static partial Regex UsingDirective();
}
