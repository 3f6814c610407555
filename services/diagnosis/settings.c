/*
 * settings.c - the diagnosis service's own settings, all of them in one
 * table: the model and its guard (model.c), the PACS reader (pacs.c), its
 * credentials and the write-back (stow.c, stow_writer.c), the patient
 * lookup, and the PACS watcher (watch.c).  The code reads a value by its
 * key from the service's configuration (med_config_*), which libmed loads
 * and checks against this table at start.
 */
#include <med/config.h>
#include <med/patients.h>

#include "diagnosis.h"

const med_config_spec diagnosis_config[] = {
	{"MED_DIAGNOSIS_MODEL", MED_CONFIG_STRING, "", false, 0, 0,
	 "ONNX image model; empty = <binary dir>/../../services/diagnosis/"
	 "models/pneumonia_cxr224_v4.onnx"},
	{"MED_DIAGNOSIS_MODEL_VERSION", MED_CONFIG_STRING, "4.0.0", false, 0, 0,
	 "the model's version, reported in every finding"},
	{"MED_DIAGNOSIS_LABELS", MED_CONFIG_STRING, "normal,pneumonia", false,
	 0, 0, "the model's output labels, comma-separated, in order"},
	{"MED_DIAGNOSIS_MODEL_CARD", MED_CONFIG_STRING, "", false, 0, 0,
	 "the model's machine-readable card (JSON: its operating point); "
	 "empty = the model's path with .onnx replaced by .card.json, "
	 "where a model without one gets findings without an operating "
	 "point; \"none\" = no card"},
	{"MED_DIAGNOSIS_OPERATING_PERMILLE", MED_CONFIG_INT, "0", false, 0, 999,
	 "the threshold on the card's label at which a finding is positive, "
	 "in thousandths, overriding the card's (0 = the card's); logged and "
	 "audited at start"},
	{"MED_DIAGNOSIS_OUTSIDE_POPULATION", MED_CONFIG_STRING, "refuse", false,
	 0, 0,
	 "a patient or film outside the population the model's card states "
	 "(ages, views, modalities; an unknown age included): \"refuse\" "
	 "(not read by the model: send for a radiologist's read) or "
	 "\"mark\" (the finding is made, marked \"outside the validated "
	 "population\", without the card's expected figures)"},
	{"MED_DIAGNOSIS_MAX_IMAGE_BYTES", MED_CONFIG_INT, "4194304", false, 1,
	 1073741824, "largest encoded image AnalyzeImage accepts"},
	{"MED_DIAGNOSIS_MAX_IMAGE_SIDE", MED_CONFIG_INT, "8192", false, 1,
	 65500, "largest image width or height AnalyzeImage decodes"},
	{"MED_DIAGNOSIS_MIN_IMAGE_SIDE", MED_CONFIG_INT, "-1", false, -1, 65500,
	 "smallest shorter side of an image the classifier is given, in "
	 "pixels; smaller ones are refused (grown to the model's input they "
	 "read as pneumonia); -1 = half the model's input side (112 for the "
	 "224x224 models), 0 = no minimum"},
	{"MED_DIAGNOSIS_GUARD_MODEL", MED_CONFIG_STRING, "", false, 0, 0,
	 "ONNX out-of-distribution guard (is it a frontal chest radiograph?); "
	 "empty = <binary dir>/../../services/diagnosis/models/"
	 "chest_guard_v1.onnx; \"off\" = no guard"},
	{"MED_DIAGNOSIS_GUARD_MIN_PERMILLE", MED_CONFIG_INT, "500", false, 1,
	 999,
	 "the guard's p(chest) below which an image is refused, in "
	 "thousandths (the card's threshold 0.5 = 500)"},
	{"MED_DIAGNOSIS_GUARD_UPLOADS", MED_CONFIG_BOOL, "true", false, 0, 0,
	 "guard AnalyzeImage's uploaded PNG/JPEG too (AnalyzeStudy's images "
	 "are always guarded); false only for a client that must send "
	 "images the guard refuses"},
	{"MED_DIAGNOSIS_PACS_URL", MED_CONFIG_STRING, "", false, 0, 0,
	 "DICOMweb base URL of the PACS AnalyzeStudy reads "
	 "(\"http://orthanc:8042/dicom-web\"); empty: AnalyzeStudy answers "
	 "UNAVAILABLE"},
	{"MED_DIAGNOSIS_PACS_TIMEOUT_MS", MED_CONFIG_INT, "10000", false, 100,
	 120000, "time limit of one request to the PACS, ms"},
	{"MED_DIAGNOSIS_PACS_MAX_REPLY_BYTES", MED_CONFIG_INT, "33554432",
	 false, 4096, 1073741824,
	 "largest reply (metadata or rendered image) read from the PACS"},
	{"MED_DIAGNOSIS_STUDY_MAX_BYTES", MED_CONFIG_INT, "104857600", false, 1,
	 4294967296,
	 "largest study AnalyzeStudy takes: its pixel data "
	 "uncompressed, from the headers, before any pixel is fetched"},
	{"MED_DIAGNOSIS_STUDY_MAX_INSTANCES", MED_CONFIG_INT, "64", false, 1,
	 100000, "most instances a study AnalyzeStudy takes may have"},
	/* imgstow: the PACS's credentials and the write-back (stow.c). */
	{"MED_DIAGNOSIS_PACS_USER", MED_CONFIG_STRING, "", false, 0, 0,
	 "user diagnosis authenticates as to the PACS (HTTP basic); "
	 "empty = no authentication"},
	{"MED_DIAGNOSIS_PACS_PASSWORD_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "file holding that user's password (a mounted secret)"},
	{"MED_DIAGNOSIS_PACS_CA_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "PEM file of the CA(s) the PACS's HTTPS certificate must "
	 "chain to; empty = the system's trust store"},
	{"MED_DIAGNOSIS_PACS_WRITEBACK", MED_CONFIG_BOOL, "off", false, 0, 0,
	 "after AnalyzeStudy stores a finding, write its "
	 "saliency overlay back to the study in the PACS as a "
	 "DICOM Secondary Capture (STOW-RS)"},
	{"MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MS", MED_CONFIG_INT, "5000", false,
	 100, 3600000,
	 "a write-back that failed for a passing reason (PACS down, "
	 "timeout, 5xx) stays PENDING and is tried again this long "
	 "after its first attempt, ms, the wait doubling after each"},
	{"MED_DIAGNOSIS_PACS_WRITEBACK_RETRY_MAX_MS", MED_CONFIG_INT, "300000",
	 false, 100, 86400000,
	 "the longest wait between two write-back attempts, ms"},
	{"MED_DIAGNOSIS_DICOM_WRITER", MED_CONFIG_STRING, "", false, 0, 0,
	 "the DICOM writer (GDCM) loaded when the write-back "
	 "is on; empty = <binary "
	 "dir>/../lib/diagnosis-dicom.so"},
	MED_PATIENTS_CONFIG,
	/* imgtrig: the PACS watcher (watch.c). */
	{"MED_DIAGNOSIS_PACS_WATCH", MED_CONFIG_BOOL, "off", false, 0, 0,
	 "analyse the studies named in advance by RequestStudyAnalysis "
	 "when the PACS has them, as the service"},
	{"MED_DIAGNOSIS_PACS_WATCH_POLL_MS", MED_CONFIG_INT, "5000", false, 100,
	 3600000, "how often the requested studies are tried, ms"},
	{"MED_DIAGNOSIS_PACS_WATCH_BATCH", MED_CONFIG_INT, "100", false, 1, 100,
	 "requested studies tried per poll, oldest first"},
	{"MED_DIAGNOSIS_PACS_WATCH_SERVER_NAME", MED_CONFIG_STRING, "diagnosis",
	 false, 0, 0,
	 "the name on this service's own certificate, checked when the "
	 "watcher calls AnalyzeStudy on 127.0.0.1:MED_GRPC_PORT"},
};
const size_t diagnosis_n_config =
	sizeof(diagnosis_config) / sizeof(diagnosis_config[0]);
