-- What smartmed's diagnosis service may ask of Orthanc, and nothing else
-- (docs/security.md, "The PACS credential").  Orthanc calls
-- IncomingHttpRequestFilter before every REST and DICOMweb request once
-- HTTP authentication has named the user; false answers 403.
--
-- SMARTMED_DIAGNOSIS_USER is set by a script Orthanc loads before this
-- one (the chart's ConfigMap, tests/harness/orthanc.py), with
-- SMARTMED_DIAGNOSIS_STOW_GATE: the URL, up to the Study Instance UID, at
-- which diagnosis says whether it has an overlay to store into a study
-- (services/diagnosis/stow_gate.c; http://<diagnosis>:<its HTTP
-- port>/pacs/stow-due/).  Without it the diagnosis user stores nothing.
-- Every other user keeps Orthanc's own rights: the PACS's administrators
-- are not smartmed's to restrict.

local UID = '[0-9.]+'

-- Reads of diagnosis: a study's metadata and a frame rendered for the
-- model (DICOMweb), each by the UIDs an order or a clinician's request
-- named.  Nothing that lists or finds studies (Orthanc's /changes,
-- /studies, /patients, /tools/find, QIDO-RS): diagnosis is told which
-- study to read, it never looks for one.
local READS = {
  '^/dicom%-web/studies/' .. UID .. '/metadata$',
  '^/dicom%-web/studies/' .. UID .. '/series/' .. UID .. '/instances/' ..
    UID .. '/metadata$',
  '^/dicom%-web/studies/' .. UID .. '/series/' .. UID .. '/instances/' ..
    UID .. '/rendered$',
}

-- Writes of diagnosis: the overlay stored back into the study it
-- analysed (STOW-RS to that study's URL).  The DICOMweb plugin stores
-- only the instances whose StudyInstanceUID is the URL's, study_exists
-- below refuses a URL whose study the PACS does not hold (the credential
-- never makes a study), and stow_due one whose study diagnosis has no
-- overlay to store into now: no series added to a study diagnosis was
-- not asked to analyse, nor to one whose overlay it has already stored.
local STOW = '^/dicom%-web/studies/(' .. UID .. ')$'

local function matches_any(path, patterns)
  for _, p in ipairs(patterns) do
    if string.match(path, p) then
      return true
    end
  end
  return false
end

-- study_exists: the PACS holds a study of this Study Instance UID
-- (Orthanc's lookup, asked inside Orthanc: no HTTP, no filter).
local function study_exists(uid)
  local ok, found = pcall(function()
    return ParseJson(RestApiPost('/tools/lookup', uid))
  end)
  if not ok or type(found) ~= 'table' then
    return false
  end
  for _, r in ipairs(found) do
    if r['Type'] == 'Study' then
      return true
    end
  end
  return false
end

-- stow_due: diagnosis has an overlay to store into this study now (its
-- answer "yes"; "no", an error or no answer refuse).
local function stow_due(uid)
  if SMARTMED_DIAGNOSIS_STOW_GATE == nil then
    return false
  end
  local ok, answer = pcall(HttpGet, SMARTMED_DIAGNOSIS_STOW_GATE .. uid)
  return ok and type(answer) == 'string' and
    string.match(answer, '^yes') ~= nil
end

function IncomingHttpRequestFilter(method, uri, ip, username, headers)
  if SMARTMED_DIAGNOSIS_USER == nil or username ~= SMARTMED_DIAGNOSIS_USER then
    return true
  end
  local path = string.match(uri, '^[^?]*')
  if method == 'GET' then
    return matches_any(path, READS)
  elseif method == 'POST' then
    local uid = string.match(path, STOW)
    return uid ~= nil and study_exists(uid) and stow_due(uid)
  end
  return false
end
