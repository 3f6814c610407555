-- What smartmed's diagnosis service may ask of Orthanc, and nothing else
-- (docs/security.md, "The PACS credential").  Orthanc calls
-- IncomingHttpRequestFilter before every REST and DICOMweb request once
-- HTTP authentication has named the user; false answers 403.
--
-- SMARTMED_DIAGNOSIS_USER is set by a one-line script Orthanc loads before
-- this one (the chart's ConfigMap, tests/harness/orthanc.py).  Every other
-- user keeps Orthanc's own rights: the PACS's administrators are not
-- smartmed's to restrict.

local UID = '[0-9.]+'
local ORTHANC_ID = '[0-9a-f%-]+'

-- Reads of diagnosis: a study's metadata and a frame rendered for the
-- model (DICOMweb), and the change feed and the study and series records
-- the watcher reads (Orthanc's REST API).
local READS = {
  '^/dicom%-web/studies/' .. UID .. '/metadata$',
  '^/dicom%-web/studies/' .. UID .. '/series/' .. UID .. '/instances/' ..
    UID .. '/metadata$',
  '^/dicom%-web/studies/' .. UID .. '/series/' .. UID .. '/instances/' ..
    UID .. '/rendered$',
  '^/changes$',
  '^/studies/' .. ORTHANC_ID .. '$',
  '^/studies/' .. ORTHANC_ID .. '/series$',
}

-- Writes of diagnosis: the overlay stored back into its own study
-- (STOW-RS).
local WRITES = {
  '^/dicom%-web/studies/' .. UID .. '$',
}

local function matches_any(path, patterns)
  for _, p in ipairs(patterns) do
    if string.match(path, p) then
      return true
    end
  end
  return false
end

function IncomingHttpRequestFilter(method, uri, ip, username, headers)
  if SMARTMED_DIAGNOSIS_USER == nil or username ~= SMARTMED_DIAGNOSIS_USER then
    return true
  end
  local path = string.match(uri, '^[^?]*')
  if method == 'GET' then
    return matches_any(path, READS)
  elseif method == 'POST' then
    return matches_any(path, WRITES)
  end
  return false
end
