--[[
include-code.lua - a pandoc filter that puts real files into the lessons.

A lesson quotes the lab's code instead of a copy of it, so the page can
never drift from the file the student edits:

    ```{.c include="labs/01-five-tuple/lab.c" from="STEP 2" to="END STEP 2"}
    ```

The code block is replaced by the file's lines: all of them, or from the
first line that contains `from` through the next line that contains `to`
(both included; either may be left out). The markers are plain text, not
patterns. A block without a class gets one from the file's extension, so C
is highlighted; add .numberLines and the numbers are the file's own.

    ::: {include-markdown="build/diagrams/tcp-tables.md"}
    :::

The Div is replaced by that file, read as Markdown (for tables generated
from the code).

Paths are relative to the repository root, where the docs are built. A path
starting with "build/" means the build directory, wherever BUILD points
(metadata include-build-dir). Quoting solutions/ or anything outside the
repository, a missing file and a missing marker all stop the build with one
message naming the page and the problem: a lesson that silently lost its
code would be worse than no lesson.

When the metadata include-depfile and include-target are set, the filter
writes a make dependency file listing every file a page included, so
editing lab.c rebuilds the lesson that quotes it.
]]

local included = {} -- every file this page read, in order, once each
local seen = {}

local function page_name()
  local files = PANDOC_STATE and PANDOC_STATE.input_files or {}
  return files[1] or "(stdin)"
end

-- One clear line on stderr and a failed build. error() would add a Lua
-- stack trace that hides the message a lesson author needs.
local function fail(what, message)
  io.stderr:write(string.format("%s: %s: %s\n", page_name(), what, message))
  os.exit(1)
end

local function meta_string(meta, key)
  local value = meta[key]
  if value == nil then
    return nil
  end
  return pandoc.utils.stringify(value)
end

local build_dir = "build"
local depfile, deptarget

-- Split "a/./b/../c" into its parts, resolving "." and ".."; nil when the
-- path climbs above where it started.
local function normalize(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      if #parts == 0 then
        return nil
      end
      table.remove(parts)
    elseif part ~= "." then
      table.insert(parts, part)
    end
  end
  return parts
end

-- The canonical absolute path, symbolic links resolved (realpath -m does
-- not require the file to exist, so a missing file gets its own message).
local function realpath(path)
  local ok, out = pcall(pandoc.pipe, "realpath", { "-m", "--", path }, "")
  if not ok then
    return nil
  end
  return (out:gsub("\n$", ""))
end

local function is_under(path, dir)
  return path == dir or path:sub(1, #dir + 1) == dir .. "/"
end

-- Check an include path and return the file name to open.
local function resolve(what, path)
  if path == "" then
    fail(what, "the path is empty")
  end
  if path:sub(1, 1) == "/" then
    fail(what, "an absolute path; give it relative to the repository root")
  end
  local parts = normalize(path)
  if parts == nil or #parts == 0 then
    fail(what, "the path leads outside the repository")
  end
  if parts[1] == "solutions" then
    fail(what, "lessons never quote solutions/; quote the lab's own files")
  end

  local file = table.concat(parts, "/")
  local root = realpath(".")
  local allowed = { root }
  if parts[1] == "build" then
    -- build/... names the build directory, which BUILD may put elsewhere.
    file = build_dir .. (#parts > 1 and "/" .. table.concat(parts, "/", 2) or "")
    allowed = { realpath(build_dir) }
  end

  local real = realpath(file)
  if root == nil or real == nil then
    fail(what, "cannot resolve the path (is realpath installed?)")
  end
  local inside = false
  for _, dir in ipairs(allowed) do
    if dir ~= nil and is_under(real, dir) then
      inside = true
    end
  end
  if not inside then
    fail(what, "the path leads outside the repository (through a symbolic link?)")
  end
  if is_under(real, root .. "/solutions") then
    fail(what, "lessons never quote solutions/; quote the lab's own files")
  end
  return file
end

local function read_file(what, file)
  local handle, err = io.open(file, "rb")
  if handle == nil then
    -- err already names the file: "labs/x.c: No such file or directory".
    fail(what, "cannot read " .. tostring(err))
  end
  local text = handle:read("a")
  handle:close()
  if text == nil then
    fail(what, "cannot read " .. file .. " (is it a directory?)")
  end
  if not seen[file] then
    seen[file] = true
    table.insert(included, file)
  end
  return text
end

local function split_lines(text)
  local lines = {}
  -- Every line, the last one too even without a final newline.
  for line in (text:gsub("\r\n", "\n") .. "\n"):gmatch("(.-)\n") do
    table.insert(lines, line)
  end
  if text:sub(-1) == "\n" then
    table.remove(lines) -- the empty "line" after the final newline
  end
  return lines
end

local language_of = {
  c = "c", h = "c", sh = "bash", bash = "bash", mk = "makefile",
  py = "python", lua = "lua", dot = "dot", md = "markdown", json = "json",
}

local function language_for(file)
  local base = file:match("([^/]+)$") or file
  if base == "Makefile" or base == "GNUmakefile" then
    return "makefile"
  end
  local ext = base:match("%.([%w]+)$")
  return ext and language_of[ext] or nil
end

local function include_code(block)
  local path = block.attributes["include"]
  if path == nil then
    return nil
  end
  local from = block.attributes["from"]
  local to = block.attributes["to"]
  local what = 'include="' .. path .. '"'

  local file = resolve(what, path)
  local lines = split_lines(read_file(what, file))

  -- from: the first line that contains it; to: the next line after that
  -- contains it. Plain substring search (the 4th argument of find), so a
  -- marker like "STEP 1 (a)" means exactly that.
  local first, last = 1, #lines
  if from ~= nil then
    first = nil
    for i, line in ipairs(lines) do
      if line:find(from, 1, true) then
        first = i
        break
      end
    end
    if first == nil then
      fail(what, 'no line of ' .. file .. ' contains from="' .. from .. '"')
    end
  end
  if to ~= nil then
    last = nil
    local start = from ~= nil and first + 1 or first
    for i = start, #lines do
      if lines[i]:find(to, 1, true) then
        last = i
        break
      end
    end
    if last == nil then
      fail(what, 'no line of ' .. file .. (from and ' after from="' .. from .. '"' or '')
        .. ' contains to="' .. to .. '"')
    end
  end

  local attributes = {}
  for key, value in pairs(block.attributes) do
    if key ~= "include" and key ~= "from" and key ~= "to" then
      attributes[key] = value
    end
  end
  local classes = block.classes
  if #classes == 0 then
    local language = language_for(file)
    classes = language and { language } or {}
  end
  -- With .numberLines, number the lines as they are in the file.
  for _, class in ipairs(classes) do
    if class == "numberLines" or class == "number-lines" then
      if attributes["startFrom"] == nil then
        attributes["startFrom"] = tostring(first)
      end
    end
  end

  local text = table.concat(lines, "\n", first, last)
  return pandoc.CodeBlock(text, pandoc.Attr(block.identifier, classes, attributes))
end

local function include_markdown(div)
  local path = div.attributes["include-markdown"]
  if path == nil then
    return nil
  end
  local what = 'include-markdown="' .. path .. '"'
  local file = resolve(what, path)
  local doc = pandoc.read(read_file(what, file), "markdown")
  -- The included Markdown may quote code itself.
  local blocks = pandoc.walk_block(pandoc.Div(doc.blocks), { CodeBlock = include_code }).content
  return blocks
end

local function write_depfile(doc)
  if depfile == nil or deptarget == nil then
    return nil
  end
  local lines = { deptarget .. ":" .. (#included > 0 and " " .. table.concat(included, " ") or "") }
  -- An empty rule per file, as gcc -MP does: a deleted include then makes
  -- the page rebuild (and fail clearly) instead of make failing to find it.
  for _, file in ipairs(included) do
    table.insert(lines, "")
    table.insert(lines, file .. ":")
  end
  local tmp = depfile .. ".tmp"
  local handle, err = io.open(tmp, "w")
  if handle == nil then
    fail("include-depfile", "cannot write " .. tmp .. " (" .. tostring(err) .. ")")
  end
  handle:write(table.concat(lines, "\n") .. "\n")
  handle:close()
  local ok, rename_err = os.rename(tmp, depfile)
  if not ok then
    fail("include-depfile", "cannot write " .. depfile .. " (" .. tostring(rename_err) .. ")")
  end
  return nil
end

local function read_settings(meta)
  build_dir = meta_string(meta, "include-build-dir") or build_dir
  build_dir = build_dir:gsub("/+$", "")
  if build_dir == "" then
    build_dir = "."
  end
  depfile = meta_string(meta, "include-depfile")
  deptarget = meta_string(meta, "include-target")
  return nil
end

return {
  { Meta = read_settings },
  { CodeBlock = include_code, Div = include_markdown },
  { Pandoc = write_depfile },
}
