/*
 * stow_dicom.cc - the overlay as a DICOM Secondary Capture file (PS3.3
 * A.8.1, SOP class 1.2.840.10008.5.1.4.1.1.7), encoded by GDCM (Debian's
 * libgdcm3.0, Grassroots DICOM): GDCM writes the Part 10 file and its
 * file meta information; this file only says which attributes go in.
 * Only this file includes GDCM's C++ headers; stow.c calls it through
 * diagnosis_sc_encode (diagnosis.h), and no C++ exception leaves it.
 */
#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmTag.h>
#include <gdcmTransferSyntax.h>
#include <gdcmVR.h>
#include <gdcmWriter.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "stow.h"

namespace {

/* put inserts a text attribute, padded to even length as PS3.5 7.1.1
 * asks (UI with NUL, the other VRs with a space); an empty value is
 * still written (a type 2 attribute is present but may be empty). */
void
put(gdcm::DataSet &ds, uint16_t group, uint16_t elem, gdcm::VR::VRType vr,
    const char *value)
{
	std::string v = value != nullptr ? value : "";
	gdcm::DataElement de(gdcm::Tag(group, elem));

	if (v.size() % 2 != 0)
		v.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
	de.SetVR(vr);
	de.SetByteValue(v.data(), (uint32_t)v.size());
	ds.Replace(de);
}

/* put_us inserts one unsigned short, little endian as the transfer
 * syntax is. */
void
put_us(gdcm::DataSet &ds, uint16_t group, uint16_t elem, uint16_t value)
{
	char b[2] = {(char)(value & 0xff), (char)(value >> 8)};
	gdcm::DataElement de(gdcm::Tag(group, elem));

	de.SetVR(gdcm::VR::US);
	de.SetByteValue(b, 2);
	ds.Replace(de);
}

/* put_patient_and_study copies the source's patient and study modules. */
void
put_patient_and_study(gdcm::DataSet &ds, const diagnosis_sc *sc)
{
	put(ds, 0x0010, 0x0010, gdcm::VR::PN, sc->patient_name);
	put(ds, 0x0010, 0x0020, gdcm::VR::LO, sc->patient_id);
	put(ds, 0x0010, 0x0030, gdcm::VR::DA, sc->birth_date);
	put(ds, 0x0010, 0x0040, gdcm::VR::CS, sc->sex);
	put(ds, 0x0020, 0x000d, gdcm::VR::UI, sc->study_uid);
	put(ds, 0x0008, 0x0020, gdcm::VR::DA, sc->study_date);
	put(ds, 0x0008, 0x0030, gdcm::VR::TM, sc->study_time);
	put(ds, 0x0008, 0x0090, gdcm::VR::PN, sc->referring);
	put(ds, 0x0020, 0x0010, gdcm::VR::SH, sc->study_id);
	put(ds, 0x0008, 0x0050, gdcm::VR::SH, sc->accession);
}

/* put_series_and_image writes what is new: the series, the equipment,
 * the derivation and the SOP identity. */
void
put_series_and_image(gdcm::DataSet &ds, const diagnosis_sc *sc)
{
	put(ds, 0x0008, 0x0005, gdcm::VR::CS, "ISO_IR 192"); /* UTF-8 */
	put(ds, 0x0008, 0x0016, gdcm::VR::UI, DIAGNOSIS_SC_SOP_CLASS);
	put(ds, 0x0008, 0x0018, gdcm::VR::UI, sc->sop_uid);
	put(ds, 0x0008, 0x0008, gdcm::VR::CS, "DERIVED\\SECONDARY");
	put(ds, 0x0008, 0x0060, gdcm::VR::CS, "OT");
	put(ds, 0x0008, 0x0064, gdcm::VR::CS, "WSD"); /* workstation */
	put(ds, 0x0008, 0x0070, gdcm::VR::LO, "smartmed");
	put(ds, 0x0008, 0x0023, gdcm::VR::DA, sc->content_date);
	put(ds, 0x0008, 0x0033, gdcm::VR::TM, sc->content_time);
	put(ds, 0x0008, 0x103e, gdcm::VR::LO, sc->series_description);
	put(ds, 0x0008, 0x2111, gdcm::VR::ST, sc->derivation);
	put(ds, 0x0020, 0x000e, gdcm::VR::UI, sc->series_uid);
	put(ds, 0x0020, 0x0011, gdcm::VR::IS, "9901");
	put(ds, 0x0020, 0x0013, gdcm::VR::IS, "1");
	put(ds, 0x0020, 0x0020, gdcm::VR::CS, "");
	put(ds, 0x0028, 0x0301, gdcm::VR::CS, "YES"); /* burned-in text */
}

/* put_pixels writes the image pixel module: 8-bit RGB, interleaved. */
void
put_pixels(gdcm::DataSet &ds, const diagnosis_sc *sc)
{
	size_t n = (size_t)sc->rows * sc->cols * 3;
	gdcm::DataElement px(gdcm::Tag(0x7fe0, 0x0010));

	put_us(ds, 0x0028, 0x0002, 3);
	put(ds, 0x0028, 0x0004, gdcm::VR::CS, "RGB");
	put_us(ds, 0x0028, 0x0006, 0);
	put_us(ds, 0x0028, 0x0010, (uint16_t)sc->rows);
	put_us(ds, 0x0028, 0x0011, (uint16_t)sc->cols);
	put_us(ds, 0x0028, 0x0100, 8);
	put_us(ds, 0x0028, 0x0101, 8);
	put_us(ds, 0x0028, 0x0102, 7);
	put_us(ds, 0x0028, 0x0103, 0);
	px.SetVR(gdcm::VR::OB);
	/* rows * cols * 3 is even whenever rows * cols is; pad otherwise. */
	if (n % 2 == 0) {
		px.SetByteValue((const char *)sc->rgb, (uint32_t)n);
	} else {
		std::string v((const char *)sc->rgb, n);
		v.push_back('\0');
		px.SetByteValue(v.data(), (uint32_t)v.size());
	}
	ds.Replace(px);
}

/* encode writes the file to out; false when GDCM refuses it. */
bool
encode(const diagnosis_sc *sc, std::string &out)
{
	gdcm::Writer w;
	gdcm::File &f = w.GetFile();
	gdcm::DataSet &ds = f.GetDataSet();
	std::ostringstream os;

	put_patient_and_study(ds, sc);
	put_series_and_image(ds, sc);
	put_pixels(ds, sc);
	f.GetHeader().SetDataSetTransferSyntax(
		gdcm::TransferSyntax::ExplicitVRLittleEndian);
	w.SetStream(os);
	if (!w.Write())
		return false;
	out = os.str();
	return true;
}

} // namespace

extern "C" med_err
diagnosis_sc_encode(const diagnosis_sc *sc, uint8_t **out, size_t *len)
{
	std::string bytes;
	uint8_t *p;

	if (sc->rows == 0 || sc->cols == 0 || sc->rows > 65535 ||
	    sc->cols > 65535 || sc->rgb == nullptr)
		return MED_ERR_INVALID;
	try {
		if (!encode(sc, bytes))
			return MED_ERR_INTERNAL;
	} catch (const std::bad_alloc &) {
		return MED_ERR_NOMEM;
	} catch (...) {
		return MED_ERR_INTERNAL;
	}
	if ((p = (uint8_t *)malloc(bytes.size())) == nullptr)
		return MED_ERR_NOMEM;
	memcpy(p, bytes.data(), bytes.size());
	*out = p;
	*len = bytes.size();
	return MED_OK;
}
